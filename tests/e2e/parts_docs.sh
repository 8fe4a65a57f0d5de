# docs/parts-NAME.md is what 'sprout parts --recorded' writes for each plan
# in plans/ (those git tracks, in a checkout): this fails when one is
# missing or stale, and says the command that writes it again.
. "$TOP/tests/e2e/lib.sh"
cd "$TOP" || exit 1
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	plans=$(git ls-files 'plans/*/plan')
else
	plans=$(ls plans/*/plan 2>/dev/null)
fi
[ -n "$plans" ] || { ok "# SKIP no plans"; exit 0; }
for plan in $plans; do
	name=$(basename "$(dirname "$plan")")
	arch=$(sed -n 's/^arches[	 ]*\([^	 ]*\).*/\1/p' "$plan")
	doc=docs/parts-$name.md
	how="./sprout --arch $arch parts --recorded plans/$name >$doc"
	if [ ! -f "$doc" ]; then
		notok "$doc is missing; write it with: $how"
		continue
	fi
	"$SPROUT" --arch "$arch" parts --recorded "plans/$name" >"$T/$name.md" 2>&1
	if cmp -s "$doc" "$T/$name.md"; then
		ok "$doc is up to date with plans/$name"
	else
		notok "$doc is stale; write it again with: $how"
		diff -u "$doc" "$T/$name.md" | head -n 40 | sed 's/^/# /'
	fi
done
