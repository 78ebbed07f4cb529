#!/bin/sh
# make install, as a packager runs it: install into a temporary prefix with
# custom LIBDIR and PKGCONFIGDIR, then build a program against the installed
# librsl through pkg-config, dynamically and statically, and run it on a
# golden snapshot; check the installed editor schemas.  Then make uninstall
# leaves nothing behind.
#   tests/install_test.sh BUILD
set -eu
B=${1:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/rsl-install.XXXXXX")
trap 'rm -rf "$T"' EXIT
P="$T/prefix"
LIB="$P/lib64"
PC="$T/pc"

MAKEFLAGS= make -s BUILD="$B" PREFIX="$P" LIBDIR="$LIB" PKGCONFIGDIR="$PC" install >/dev/null
for f in "$P/bin/rsc" "$P/include/rsl.h" "$P/include/rsl_testing.h" "$LIB/librsl.a" "$LIB/librsl.so.0" "$PC/rsl.pc"; do
	[ -e "$f" ] || { echo "install_test: make install did not install $f" >&2; exit 1; }
done
# The editor schemas: every one rsc carries, the same bytes as `rsc schema`.
kinds=$("$P/bin/rsc" schema)
[ -n "$kinds" ] || { echo "install_test: rsc schema lists no kind" >&2; exit 1; }
for k in $kinds; do
	"$P/bin/rsc" schema "$k" | cmp -s - "$P/share/rulestead/schema/$k.schema.json" ||
		{ echo "install_test: share/rulestead/schema/$k.schema.json is missing or differs from rsc schema $k" >&2; exit 1; }
done

cat > "$T/prog.c" <<'C'
#include <rsl.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	rsl_keyring *kr = NULL;
	rsl_snapshot *s = NULL;
	rsl_error err;
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	if (argc != 3 || rsl_keyring_new(&kr) != RSL_OK ||
	    rsl_keyring_add_pem_file(kr, argv[1], &err) != RSL_OK)
		return 2;
	o.keys = kr;
	if (rsl_open(&s, argv[2], &o, &err) != RSL_OK) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	rsl_info in;
	rsl_snapshot_info(&in, s);
	printf("%s %zu\n", in.environment, in.flag_count);
	rsl_close(s);
	rsl_keyring_free(kr);
	return 0;
}
C
export PKG_CONFIG_PATH="$PC"
CC=${CC:-cc}
# shellcheck disable=SC2046
$CC -o "$T/dyn" "$T/prog.c" $(pkg-config --cflags --libs rsl) -Wl,-rpath,"$LIB"
# Static: the archive itself, and everything --static says it needs.
# shellcheck disable=SC2046
$CC -o "$T/sta" "$T/prog.c" $(pkg-config --cflags rsl) "$LIB/librsl.a" \
	$(pkg-config --static --libs rsl | sed 's/-lrsl\b//')
want="prod 6"
for p in dyn sta; do
	got=$("$T/$p" tests/fixtures/compile/test.pub tests/golden/prod.rsnap)
	[ "$got" = "$want" ] || { echo "install_test: $p printed '$got', not '$want'" >&2; exit 1; }
done
ldd "$T/dyn" | grep -q "$LIB/librsl.so.0" ||
	{ echo "install_test: the program did not load the installed librsl.so.0" >&2; exit 1; }

MAKEFLAGS= make -s BUILD="$B" PREFIX="$P" LIBDIR="$LIB" PKGCONFIGDIR="$PC" uninstall >/dev/null
left=$(find "$P" "$PC" -type f 2>/dev/null | head -n 1)
[ -z "$left" ] || { echo "install_test: make uninstall left $left" >&2; exit 1; }
echo "install_test: installed, built against (shared and static), ran, uninstalled"
