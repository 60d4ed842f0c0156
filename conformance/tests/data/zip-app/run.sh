#!/bin/sh
# The function's handler (_HANDLER=run.sh): the layer's /opt/bootstrap execs this script,
# which execs the app, so the app is the runtime process Lambda signals at shutdown.
exec python3 app.py
