#!/usr/bin/env python3
"""Runs one command and prints its wall time (s) and peak memory (KiB) as JSON.

Peak memory is the kernel's accounting for the child (getrusage's ru_maxrss),
the same figure /usr/bin/time -v reports as "Maximum resident set size".
"""
import json
import resource
import subprocess
import sys
import time

start = time.monotonic()
completed = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_kib": peak, "status": completed.returncode}))
sys.exit(completed.returncode)
