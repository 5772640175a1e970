#!/bin/sh
# Fails unless every translation is complete and current:
#   po/check.sh BUILD_DIR PO_DIR LANG...
# - msgfmt --check (formats keep their conversions, header, plurals) with
#   no untranslated and no fuzzy message;
# - the template regenerated from the sources has no msgid the catalog
#   lacks (a new string must be translated before it lands).
set -eu
build=$1 podir=$2; shift 2
cmake --build "$build" --target dongbo-pot >/dev/null
pot="$build/po/dongbo.pot"
status=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for lang in "$@"; do
	po="$podir/$lang.po"
	stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1) || {
		echo "$po: msgfmt --check failed:"; echo "$stats"; status=1; continue; }
	echo "$po: $stats"
	case $stats in
	*untranslated*|*fuzzy*)
		echo "$po: every message must be translated, none fuzzy"; status=1 ;;
	esac
	if ! LC_ALL=C msgcmp "$po" "$pot" 2>"$tmp"; then
		echo "$po: messages of the sources that it does not translate:"
		cat "$tmp"
		status=1
	fi
done
exit $status
