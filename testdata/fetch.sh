#!/usr/bin/env bash
# fetch.sh installs the real test data that the tests need and that is not
# committed: the ten MediaPipe .tflite models (Apache-2.0, from four npm
# packages) into testdata/models/, and real photos (from Debian's
# python3-skimage and opencv-doc packages) into testdata/photos/.
#
# Idempotent: downloads are cached in testdata/.cache/ and every file is
# checked against a pinned sha256 before it is used; a second run with
# everything in place downloads nothing. Any mismatch stops the script with
# a message naming the file and both digests.
#
# Needs: bash, npm (only when a tarball is not cached), tar, sha256sum,
# apt-get and dpkg-deb (only when the photos are not in place; the
# package lists must be current: as root the script runs `apt-get update`
# once if a download fails). opencv-doc is a 96 MB download, of which
# only the six photos are extracted.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/.cache"
models="$here/models"
photos="$here/photos"

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

# The photos: Debian package (main), the folder in it that holds them, and
# the manifest (sha256 and file name per line) of the ones taken from it.
#   python3-skimage: scikit-image's sample images (BSD-3-Clause).
#   opencv-doc: OpenCV's sample images, under debian/copyright's
#     "Files: *" (Apache-2.0 AND BSD-3-Clause): the photos of people (a
#     footballer, two basketball players, three frames of a stereo camera
#     calibration showing a near face and two hands) and baboon.jpg (a
#     mandrill's face, no person; it also places the others so that the
#     sorted split of the int8 tests has people in both halves). Left out:
#     near copies of the chosen frames (basketball2.png is the next frame
#     of basketball1.png; leftNN.jpg and rightNN.jpg are one instant seen
#     by two cameras), which would put one scene in both halves.
photo_sources=(
	"python3-skimage usr/lib/python3/dist-packages/skimage/data photos.sha256"
	"opencv-doc usr/share/doc/opencv-doc/examples/data photos-opencv.sha256"
)

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

# 3. The photos, pinned by the committed manifests: for each Debian
# package, download it (cached) and extract only the listed files.
# fetch_photos PACKAGE DIR MANIFEST: the photos MANIFEST lists, from DIR in
# PACKAGE's .deb.
fetch_photos() {
	local pkg="$1" dir="$2" manifest="$3" want file need=0 deb src got
	local -a debs members
	[[ -f "$manifest" ]] || die "$manifest is missing"
	while read -r want file; do
		[[ -z "$file" ]] && continue
		if [[ -f "$photos/$file" ]] && [[ "$(sha "$photos/$file")" == "$want" ]]; then
			echo "ok       photos/$file"
		else
			need=1
		fi
	done <"$manifest"
	((need)) || return 0

	shopt -s nullglob
	debs=("$cache"/"${pkg}"_*.deb)
	shopt -u nullglob
	if ((${#debs[@]} == 0)); then
		command -v apt-get >/dev/null || die "apt-get is needed to download $pkg"
		echo "apt-get download $pkg"
		# Downloading as root into a folder _apt cannot write makes apt
		# warn; the sandbox user is irrelevant for a plain download.
		if ! (cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$pkg"); then
			[[ "$(id -u)" == 0 ]] || die "apt-get download $pkg failed: run 'apt-get update' as root, then run this again"
			echo "apt-get update (the package lists may be missing or stale)"
			apt-get update -q >/dev/null || die "apt-get update failed"
			(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$pkg") ||
				die "apt-get download $pkg failed"
		fi
		shopt -s nullglob
		debs=("$cache"/"${pkg}"_*.deb)
		shopt -u nullglob
		((${#debs[@]} > 0)) || die "apt-get download $pkg wrote no $cache/${pkg}_*.deb"
	fi
	deb="${debs[-1]}"
	members=()
	while read -r want file; do
		[[ -n "$file" ]] && members+=("./$dir/$file")
	done <"$manifest"
	echo "extract  ${#members[@]} photos from $(basename "$deb")"
	mkdir -p "$tmp/$pkg"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/$pkg" "${members[@]}" ||
		die "$(basename "$deb"): cannot extract the photos $(basename "$manifest") lists (tar says why above)"
	while read -r want file; do
		[[ -z "$file" ]] && continue
		src="$tmp/$pkg/$dir/$file"
		[[ -f "$src" ]] || die "$(basename "$deb") has no $dir/$file"
		got="$(sha "$src")"
		[[ "$got" == "$want" ]] ||
			die "$file in $(basename "$deb"): sha256 is $got, want $want ($(basename "$manifest")); another package version? delete $deb and run again"
		if [[ -f "$photos/$file" ]] && cmp -s "$src" "$photos/$file"; then
			continue
		fi
		cp "$src" "$photos/$file"
		echo "wrote    photos/$file"
	done <"$manifest"
}

nphotos=0
for entry in "${photo_sources[@]}"; do
	read -r pkg dir list <<<"$entry"
	fetch_photos "$pkg" "$dir" "$here/$list"
	nphotos=$((nphotos + $(grep -c . "$here/$list")))
done

echo "fetch.sh: ${#model_pkg[@]} models in $models, $nphotos photos in $photos, all sha256 checked"
