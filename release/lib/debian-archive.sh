# Shared by release/fetch-sources and release/qemu-peers (sourced, not run).
#
# debian_archive_entry: prints three lines, the URIs, Signed-By and Components
# of the machine's main Debian archive: the first "Types: deb" stanza of a
# /etc/apt/sources.list.d/*.sources file whose URIs are not a security
# archive, else the first "deb" line of /etc/apt/sources.list. Prints nothing
# when the machine has no such entry. The repository names no host: the
# mirror is always the one this machine is configured with.
debian_archive_entry() {
  local f skip=${1:-}
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    [ "$f" = "$skip" ] && continue
    local fields=()
    mapfile -t fields < <(awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && uris != "" && uris !~ /security/ && !done) {
          if (comps == "") comps = "main"
          print uris; print signed; print comps; done = 1
        }
        types = uris = signed = comps = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:"      { $1 = ""; sub(/^ +/, ""); types = $0 }
      tolower($1) == "uris:"       { $1 = ""; sub(/^ +/, ""); uris = $0 }
      tolower($1) == "signed-by:"  { $1 = ""; sub(/^ +/, ""); signed = $0 }
      tolower($1) == "components:" { $1 = ""; sub(/^ +/, ""); comps = $0 }
      END { flush() }' "$f")
    if [ ${#fields[@]} -eq 3 ] && [ -n "${fields[0]}" ]; then
      printf '%s\n' "${fields[0]%% *}" "${fields[1]}" "${fields[2]}"
      return 0
    fi
  done
  if [ -f /etc/apt/sources.list ]; then
    # deb [signed-by=...] URI SUITE COMPONENTS...
    awk '$1 == "deb" && $0 !~ /security/ {
      signed = ""; i = 2
      if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { if ($i ~ /signed-by=/) { s = $i; sub(/.*signed-by=/, "", s); signed = s } i++ }
                        if ($i ~ /signed-by=/) { s = $i; sub(/.*signed-by=/, "", s); sub(/\]$/, "", s); signed = s } i++ }
      uri = $i; comps = ""
      for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
      print uri; print signed; print (comps == "" ? "main" : comps); exit }' /etc/apt/sources.list
  fi
}
