#!/usr/bin/env bash
# `make deb`: builds the Debian 12 packages into dist/ from the files git tracks.
#   govkiosk_<ver>-1_amd64.deb                 system integration: user, config, units, udev
#   govkiosk-release-<ver>_<ver>-1_amd64.deb   the bundled virtualenv in
#                                              /opt/govkiosk/releases/<ver> (dh-virtualenv)
# Releases install side by side; the govkiosk postinst switches /opt/govkiosk/current to
# the new one only after it reached the attract screen (packaging/bin/govkiosk-activate).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
bash installer/build-deps.sh

version="$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')"
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
out="${DEB_OUT:-$here/dist}"
build="$(mktemp -d "${TMPDIR:-/tmp}/govkiosk-deb.XXXXXX")"
trap 'rm -rf "$build"' EXIT
src="$build/govkiosk-$version"
mkdir -p "$src" "$out"

# The tracked files as they are in the work tree (a clean clone builds the same thing).
git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C "$src"
cp -r packaging/debian "$src/debian"
release_pkg="govkiosk-release-$version"
for f in "$src"/debian/*.in; do
  sed -e "s/@VERSION@/$version/g" -e "s/@RELEASE_PKG@/$release_pkg/g" "$f" > "${f%.in}"
  rm "$f"
done
chmod +x "$src/debian/rules"
mv "$src/debian/release.prerm" "$src/debian/$release_pkg.prerm"
cat > "$src/debian/changelog" <<CHANGES
govkiosk ($version-1) bookworm; urgency=medium

  * Build $commit.

 -- govkiosk builders <build@govkiosk.invalid>  $(date -R)
CHANGES
printf '{"version": "%s", "build": "%s", "built": "%s"}\n' \
  "$version" "$commit" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$src/kiosk/build_info.json"

(cd "$src" && dpkg-buildpackage -b -us -uc -rfakeroot)
rm -f "$out"/govkiosk*_"$version"-1_*.deb
mv "$build"/*.deb "$out"/
ls -l "$out"/*.deb
