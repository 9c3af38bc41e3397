#ifndef FOLLOWUP_CQRENCODE_SHIM_H
#define FOLLOWUP_CQRENCODE_SHIM_H

/* libqrencode (Debian's libqrencode-dev): the QR code encoder the owner's
 * page draws its subscribe code with. */
#include <qrencode.h>

#endif
