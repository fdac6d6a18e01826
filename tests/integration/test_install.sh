#!/bin/sh
# `meson install` into a scratch root, as a package would: systemd-sysusers
# creates the hearth user, systemd-tmpfiles puts the example config in place
# (root:hearth 0640), the installed hearthd accepts it, and systemd-analyze
# verifies the unit and rates its sandbox exposure (at most 2.0 of 10).
# Usage: test_install.sh BUILD_DIR
set -eu
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$root" meson install -C "$build" --no-rebuild --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
	'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
unit="$root$prefix/lib/systemd/system/hearthd.service"
for f in "$root$prefix/sbin/hearthd" "$unit" "$root$prefix/lib/sysusers.d/hearth.conf" \
	"$root$prefix/lib/tmpfiles.d/hearth.conf" "$root$prefix/share/hearth/hearthd.conf.example" \
	"$root$prefix/share/doc/hearth/operations.md"; do
	[ -f "$f" ] || fail "not installed: ${f#$root}"
done

mkdir -p "$root/etc"
touch "$root/etc/passwd" "$root/etc/group" "$root/etc/shadow" "$root/etc/gshadow"
systemd-sysusers --root="$root" "$root$prefix/lib/sysusers.d/hearth.conf"
grep -q '^hearth:' "$root/etc/passwd" || fail "sysusers did not create the hearth user"

# tmpfiles reads the copy source inside --root; the unit's paths are absolute
# to the installed prefix.
systemd-tmpfiles --root="$root" --create "$root$prefix/lib/tmpfiles.d/hearth.conf"
conf="$root/etc/hearth/hearthd.conf"
[ -f "$conf" ] || fail "tmpfiles did not create /etc/hearth/hearthd.conf"
perms=$(stat -c '%a %U %G' "$conf")
gid=$(awk -F: '$1=="hearth"{print $3}' "$root/etc/group")
[ "$(stat -c '%a %u %g' "$conf")" = "640 0 $gid" ] || fail "config has $perms, want 640 root hearth"
cmp -s "$conf" "$root$prefix/share/hearth/hearthd.conf.example" || fail "config is not the example"
"$root$prefix/sbin/hearthd" --config "$conf" --check-config >/dev/null ||
	fail "installed hearthd refuses the installed config"

# systemd-analyze checks that ExecStart exists on this host: point it at the
# staged binary.
tmpunit="$root/hearthd.service"
sed "s#^ExecStart=[^ ]*#ExecStart=$root$prefix/sbin/hearthd#" "$unit" > "$tmpunit"
out=$(systemd-analyze verify "$tmpunit" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"
score=$(systemd-analyze security --offline=yes "$tmpunit" 2>&1 |
	sed -n 's/.*Overall exposure level for hearthd.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure score from systemd-analyze security"
echo "systemd-analyze security exposure: $score"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score is above 2.0"
echo "install test passed"
