#!/usr/bin/env sh
# Starts the Express sample app. Express comes from Debian's node-express package, which
# installs under /usr/share/nodejs: Debian's own Node.js searches there, other builds
# (NodeSource's, the official tarballs) only when NODE_PATH says so.
cd "$(dirname "$0")" || exit 1
NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
export NODE_PATH
exec node app.js
