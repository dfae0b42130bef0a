#!/usr/bin/env bash
# Real audio for the slow parity test and the folder evaluation: free game soundtracks from Debian.
# Installs the packages system-wide (root; run `apt-get update` first) and unpacks Nexuiz's music,
# which ships inside a .pk3 zip, into ${NEXUIZ_DIR:-/tmp/audio/nexuiz-x}. Nothing is copied into
# the repository. Sizes (download): asc-music 10 MB, hyperrogue-music 64 MB, warzone2100-music
# 86 MB (parity set); singularity-music 52 MB, nexuiz-music 84 MB, wesnoth-1.16-music 153 MB
# (labelled folder).
set -euo pipefail
apt-get install -y --no-install-recommends asc-music hyperrogue-music warzone2100-music \
    singularity-music nexuiz-music wesnoth-1.16-music
dest="${NEXUIZ_DIR:-/tmp/audio/nexuiz-x}"
mkdir -p "$dest"
python3 -m zipfile -e /usr/share/games/nexuiz/data/music.pk3 "$dest"
echo "nexuiz tracks in $dest/sound/cdtracks"
