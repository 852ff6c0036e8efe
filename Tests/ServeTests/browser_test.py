#!/usr/bin/env python3
"""The pages of `pix2pix serve` in a real browser: headless Chromium (Debian's chromium +
chromium-driver, driven by Selenium from PyPI; scripts/bootstrap installs all three).

    browser_test.py --url http://127.0.0.1:PORT --image picture.png --out DIR [--screenshot-only MODEL]

Opens the index, follows the gray model's link, uploads the picture through the file picker, waits
for the output image and checks it has the input's size; draws on the edge model's canvas (pencil,
eraser, undo, clear) and translates the drawing; writes screenshots into DIR. Exits 1 with a message
on the first failure. Run by Tests/ServeTests/BrowserTests.swift against a server on an ephemeral port.
"""
import argparse
import struct
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n', f'{path} is not a PNG'
    return struct.unpack('>II', head[16:24])


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1400,1100',
                 '--no-first-run', '--disable-extensions', '--disable-background-networking'):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)


def reset_state(driver):
    """Forgets the previous translation's state, so the next wait sees the next one finish."""
    driver.execute_script('document.getElementById("try").dataset.state = ""')


def wait_for_translation(driver, timeout=120):
    """Waits until the try-it panel says done (or error); returns the output's natural size."""
    panel = driver.find_element(By.ID, 'try')
    WebDriverWait(driver, timeout).until(lambda d: panel.get_attribute('data-state') in ('done', 'error'))
    if panel.get_attribute('data-state') == 'error':
        raise AssertionError('the page shows an error: ' + driver.find_element(By.ID, 'status').text)
    out = driver.find_element(By.ID, 'output-image')
    return (int(out.get_attribute('naturalWidth')), int(out.get_attribute('naturalHeight')))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', required=True)
    parser.add_argument('--image', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--model', default='gray-tiny')
    parser.add_argument('--edge-model', default='edges-tiny')
    parser.add_argument('--screenshot-only', action='store_true', help='one translation of --image and a screenshot (for the docs)')
    args = parser.parse_args()
    width, height = png_size(args.image)
    driver = browser()
    try:
        started = time.time()
        driver.get(args.url + '/')
        assert 'Models' in driver.find_element(By.TAG_NAME, 'h1').text, 'the index has no Models heading'
        rows = driver.find_elements(By.CSS_SELECTOR, 'table.zoo tbody tr')
        assert rows, 'the index lists no model'
        link = driver.find_element(By.CSS_SELECTOR, f'tr[data-model="{args.model}"] a.model-link')
        link.click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, 'try'))
        assert args.model in driver.title, f'the model page title is {driver.title!r}'

        # The file picker: the picture in, the output at the input's size beside it.
        driver.find_element(By.ID, 'file').send_keys(args.image)
        size = wait_for_translation(driver)
        assert size == (width, height), f'output {size}, input {(width, height)}'
        shown = driver.find_element(By.ID, 'input-image')
        assert (int(shown.get_attribute('naturalWidth')), int(shown.get_attribute('naturalHeight'))) == (width, height)
        info = driver.find_element(By.ID, 'output-info').text
        assert f'{width}x{height}' in info and ' s ' in info + ' ', f'output info {info!r}'
        assert driver.find_element(By.ID, 'download').get_attribute('href').startswith('blob:'), 'no download link'
        driver.execute_script('document.getElementById("try").scrollIntoView()')
        driver.save_screenshot(f'{args.out}/serve-model-page.png')
        print(f'browser: {args.model}: {width}x{height} translated, screenshot {args.out}/serve-model-page.png')
        if args.screenshot_only:
            return 0

        # A random held-out sample shows its target too.
        reset_state(driver)
        driver.find_element(By.ID, 'random-sample').click()
        wait_for_translation(driver)
        assert driver.find_element(By.ID, 'target-figure').is_displayed(), 'no target beside a held-out sample'

        # The edge model's canvas: pencil strokes, eraser, undo, clear, then translate the drawing.
        driver.get(f'{args.url}/models/{args.edge_model}')
        canvas = driver.find_element(By.ID, 'canvas')
        blank = driver.execute_script('return document.getElementById("canvas").toDataURL()')
        ActionChains(driver).move_to_element_with_offset(canvas, -60, -60).click_and_hold().move_by_offset(120, 40).move_by_offset(-30, 70).release().perform()
        drawn = driver.execute_script('return document.getElementById("canvas").toDataURL()')
        assert drawn != blank, 'the pencil drew nothing'
        driver.find_element(By.ID, 'undo').click()
        assert driver.execute_script('return document.getElementById("canvas").toDataURL()') == blank, 'undo did not restore the canvas'
        ActionChains(driver).move_to_element_with_offset(canvas, -80, 0).click_and_hold().move_by_offset(160, 0).release().perform()
        driver.find_element(By.CSS_SELECTOR, 'button[data-tool="eraser"]').click()
        ActionChains(driver).move_to_element_with_offset(canvas, 0, -5).click_and_hold().move_by_offset(0, 10).release().perform()
        driver.find_element(By.CSS_SELECTOR, 'button[data-tool="pencil"]').click()
        driver.find_element(By.ID, 'clear').click()
        assert driver.execute_script('return document.getElementById("canvas").toDataURL()') == blank, 'clear left ink'
        ActionChains(driver).move_to_element_with_offset(canvas, -50, -50).click_and_hold().move_by_offset(100, 100).release().perform()
        reset_state(driver)
        driver.find_element(By.ID, 'translate-drawing').click()
        size = wait_for_translation(driver)
        assert size == (256, 256), f'the drawing came back {size}'
        driver.save_screenshot(f'{args.out}/serve-drawing.png')
        print(f'browser: {args.edge_model}: drawing translated at 256x256 ({time.time() - started:.1f} s in all)')
        return 0
    except Exception as error:  # one line for the Swift test's failure message
        try:
            driver.save_screenshot(f'{args.out}/serve-failure.png')
        except Exception:
            pass
        print(f'browser test failed: {type(error).__name__}: {error}', file=sys.stderr)
        return 1
    finally:
        driver.quit()


if __name__ == '__main__':
    sys.exit(main())
