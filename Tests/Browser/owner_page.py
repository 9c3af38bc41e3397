"""Drives a real Chromium (headless, through Selenium and Debian's
chromedriver) over an owner's page of `followup serve`, as the owner would:
reads the page at phone and desktop widths (screenshots kept), checks the
subscribe links, scans the QR code back with zbar, copies a draft, opens a
touch, clicks Done. Prints one JSON object of what it saw; the Swift test
that runs it checks the store and the feeds afterwards.

Usage: owner_page.py PAGE_URL ARTIFACTS_DIR
"""
import json
import os
import subprocess
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main():
    url, artifacts = sys.argv[1], sys.argv[2]
    os.makedirs(artifacts, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
    seen = {}
    try:
        wait = WebDriverWait(driver, 20)
        driver.set_window_size(390, 844)
        driver.get(url)
        seen["title"] = driver.find_element(By.TAG_NAME, "h1").text
        # Phone width: nothing wider than the screen.
        seen["phoneScrollWidth"] = driver.execute_script("return document.documentElement.scrollWidth")
        driver.save_screenshot(os.path.join(artifacts, "owner-page-phone.png"))
        links = {a.text: a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "#subscribe a")}
        seen["links"] = links
        seen["eventsURL"] = driver.find_element(By.ID, "events-url").get_attribute("value")
        # The QR code as the browser drew it, scanned back.
        qr = driver.find_element(By.CSS_SELECTOR, ".qr svg")
        driver.execute_script("arguments[0].scrollIntoView()", qr)
        path = os.path.join(artifacts, "qr.png")
        qr.screenshot(path)
        seen["qr"] = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, text=True).stdout.strip()
        # The copy button: the page's one script, allowed by its policy.
        copy = driver.find_element(By.CSS_SELECTOR, "button.copy")
        driver.execute_script("arguments[0].scrollIntoView()", copy)
        copy.click()
        wait.until(lambda d: copy.text == "Copied")
        seen["copied"] = copy.text
        driver.set_window_size(1280, 900)
        driver.save_screenshot(os.path.join(artifacts, "owner-page-desktop.png"))
        # A touch: its page, then Done.
        act = driver.find_element(By.CSS_SELECTOR, "p.act a")
        seen["touch"] = act.get_attribute("href")
        driver.execute_script("arguments[0].scrollIntoView()", act)
        act.click()
        wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "button[value=done]")))
        driver.set_window_size(390, 844)
        driver.save_screenshot(os.path.join(artifacts, "touch-page-phone.png"))
        driver.find_element(By.CSS_SELECTOR, "button[value=done]").click()
        message = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "p.message")))
        seen["message"] = message.text
        seen["undo"] = len(driver.find_elements(By.CSS_SELECTOR, "button[value=undo]"))
        driver.save_screenshot(os.path.join(artifacts, "done-phone.png"))
        seen["console"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    finally:
        driver.quit()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
