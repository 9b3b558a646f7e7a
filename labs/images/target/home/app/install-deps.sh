#!/bin/sh
# "Install" every dependency listed in deps.txt into ./vendor. Real package managers take
# minutes here; this one takes a few seconds, enough to feel when the cache saves it.
set -e
mkdir -p vendor
while read -r name version; do
  [ -n "$name" ] || continue
  echo "fetching $name $version"
  sleep 1
  printf '# %s %s\n%s_version=%s\n' "$name" "$version" "$name" "$version" > "vendor/$name.sh"
done < deps.txt
