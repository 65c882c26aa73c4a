#!/bin/sh
# Debian's Chromium for the browser test (Playwright drives /usr/bin/chromium).
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
apt-get -q update
DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends chromium fonts-dejavu-core
