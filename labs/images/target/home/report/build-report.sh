#!/bin/sh
# Turn the raw visit log (CSV: day,path,visits) into a small HTML report on stdout.
set -e
awk -F, '
  NR > 1 { total += $3; by_path[$2] += $3 }
  END {
    print "<!doctype html><title>Visits</title><h1>Visits report</h1><ul>"
    for (path in by_path) printf "<li>%s: %d</li>\n", path, by_path[path]
    print "</ul>"
    printf "<p>Total visits: %d</p>\n", total
  }' "${1:-visits.csv}"
