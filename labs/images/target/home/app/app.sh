#!/bin/sh
# The application: the part of the code that changes every day.
for lib in /app/vendor/*.sh; do . "$lib"; done
echo "Hello from app (greeting $greeting_version, colors $colors_version)"
