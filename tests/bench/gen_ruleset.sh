#!/bin/sh
# gen_ruleset.sh - the synthetic ruleset every large-ruleset benchmark uses
# (make bench-compile, make bench-scale): N flags with a realistic mix,
# committed to a fresh git repository in DIR.  Usage:
#   tests/bench/gen_ruleset.sh N DIR
# DIR must not exist or be empty.  Deterministic: the same N gives the same
# files, byte for byte.
#
# The mix, by flag number i (flag-NNNNNN):
#  - types: half boolean, a fifth string, a tenth each integer, float and
#    object (JSON payloads of a few fields);
#  - in each of three environments (dev, staging, prod) a targeting file of
#    one of eight shapes: an e-mail suffix rule and a split; a segment and a
#    country `in` list of 10-29 codes; an `all` of a plan list and a SemVer
#    test with a split default; a staged schedule (5 %, 25 %, then everyone);
#    a list of 20-39 user ids and a `not` segment; a numeric and an `any` of
#    two platform tests; a static default; a split by tenant_key on a segment
#    and a `not_in` list;
#  - one flag in 47 requires a boolean prerequisite; one in 17 is switched
#    off in prod; one in 25 is not configured in prod yet;
#  - N/100 segments (at least 20), each an `all` of a tier and a country
#    list, one in ten of them `any` of another segment and a boolean.
set -eu

[ $# -eq 2 ] || { echo "usage: gen_ruleset.sh N DIR" >&2; exit 2; }
N=$1
R=$2
case $N in '' | *[!0-9]*) echo "gen_ruleset.sh: N must be a number of flags, not '$N'" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "gen_ruleset.sh: N must be at least 1" >&2; exit 2; }
if [ -d "$R" ] && [ -n "$(ls -A "$R")" ]; then
	echo "gen_ruleset.sh: $R is not empty" >&2
	exit 2
fi

mkdir -p "$R/segments" "$R/environments/dev" "$R/environments/staging" "$R/environments/prod"
cat >"$R/rulestead.yaml" <<'EOF'
environments:
  - dev
  - staging
  - prod
protected:
  - prod
settings:
  snapshot_ttl: 7d
EOF

awk -v n="$N" -v r="$R" '
function list(first, count, m,    s, k) {
	s = ""
	for (k = 0; k < count; k++)
		s = s (k ? ", " : "") cc[(first + k * 7) % m]
	return s
}
function users(first, count,    s, k) {
	s = ""
	for (k = 0; k < count; k++)
		s = s (k ? ", " : "") "user-" ((first * 31 + k * 977) % 100000)
	return s
}
function split2(f, a, b, pa) {
	printf "      split:\n        %s: %s\n        %s: %s\n", a, pa, b, 100 - pa > f
}
BEGIN {
	ncc = split("DE FR NL BE AT CH IT ES PT SE DK FI PL CZ IE GB US CA MX BR AR JP KR IN AU NZ ZA SG HK TW", cc0, " ")
	for (k = 1; k <= ncc; k++)
		cc[k - 1] = cc0[k]
	nseg = int(n / 100)
	if (nseg < 20)
		nseg = 20
	for (s = 0; s < nseg; s++) {
		f = sprintf("%s/segments/segment-%04d.yaml", r, s)
		printf "key: segment-%04d\n", s > f
		printf "description: Customers of account tier %d in the synthetic benchmark.\n", s % 10 > f
		if (s % 10 == 9) {
			printf "when:\n  any:\n    - segment: segment-%04d\n", s - 1 > f
			printf "    - attribute: beta\n      eq: true\n" > f
		} else {
			printf "when:\n  all:\n    - attribute: tier\n      eq: %d\n", s % 10 > f
			printf "    - attribute: country\n      in: [%s]\n", list(s, 5 + s % 6, ncc) > f
		}
		close(f)
	}
	split("dev staging prod", envs, " ")
	for (i = 0; i < n; i++) {
		k = sprintf("flag-%06d", i)
		t = i % 20
		f = sprintf("%s/%s.yaml", r, k)
		printf "key: %s\n", k > f
		printf "description: Synthetic flag number %d, generated to measure how the tools scale.\n", i > f
		printf "owner: team-%02d\n", i % 40 > f
		if (t < 10) {
			type = "boolean"; A = "off"; B = "on"; C = "on"
			printf "type: boolean\n" > f
		} else if (t < 14) {
			type = "string"; A = "control"; B = "treatment"; C = "holdout"
			printf "type: string\nvariants:\n  control: \"control\"\n  treatment: \"treatment-%d\"\n  holdout: \"holdout\"\noff_variant: control\n", i > f
		} else if (t < 16) {
			type = "integer"; A = "low"; B = "mid"; C = "high"
			printf "type: integer\nvariants:\n  low: 10\n  mid: %d\n  high: 1000\noff_variant: low\n", 50 + i % 100 > f
		} else if (t < 18) {
			type = "float"; A = "base"; B = "boost"; C = "max"
			printf "type: float\nvariants:\n  base: 1.0\n  boost: 1.%d\n  max: 2.25\noff_variant: base\n", 1 + i % 9 > f
		} else {
			type = "object"; A = "baseline"; B = "wide"; C = "narrow"
			printf "type: object\nvariants:\n" > f
			printf "  baseline:\n    max_results: 50\n    boost_title: 2.0\n    synonyms: true\n" > f
			printf "  wide:\n    max_results: %d\n    boost_title: 3.5\n    synonyms: true\n    stopwords: [a, an, the]\n", 100 + i % 50 > f
			printf "  narrow:\n    max_results: 10\n    boost_title: 1.0\n    synonyms: false\n" > f
			printf "off_variant: baseline\n" > f
		}
		if (i % 3 == 0)
			printf "expires: 2027-%02d-28\n", 1 + i % 12 > f
		printf "tags: [bench, group-%d]\n", i % 16 > f
		close(f)
		for (e = 1; e <= 3; e++) {
			if (e == 3 && i % 25 == 3)
				continue        # not configured in prod yet
			f = sprintf("%s/environments/%s/%s.yaml", r, envs[e], k)
			if (e == 3 && i % 17 == 5) {
				printf "enabled: false\ndefault: %s\n", B > f
				close(f)
				continue
			}
			printf "enabled: true\n" > f
			if (t >= 1 && t < 10 && i % 47 == 2)
				printf "requires:\n  - flag: flag-%06d\n    variant: on\n", i - t > f
			seg = sprintf("segment-%04d", i % nseg)
			pct = (e == 1) ? 50 : (e == 2) ? 25 : 5 + i % 10
			shape = i % 8
			if (shape != 6)
				printf "rules:\n" > f
			if (shape == 0) {
				printf "  - name: staff\n    when:\n      attribute: email\n      ends_with: \"@example.com\"\n      case_insensitive: true\n    serve: %s\n", B > f
				printf "  - name: %s rollout\n    serve:\n", envs[e] > f
				split2(f, B, A, pct)
				printf "default: %s\n", A > f
			} else if (shape == 1) {
				printf "  - name: members of %s\n    when:\n      segment: %s\n    serve: %s\n", seg, seg, B > f
				printf "  - name: launch countries\n    when:\n      attribute: country\n      in: [%s]\n    serve: %s\n", list(i, 10 + i % 20, ncc), C > f
				printf "default: %s\n", A > f
			} else if (shape == 2) {
				printf "  - name: paying customers on recent apps\n    when:\n      all:\n" > f
				printf "        - attribute: plan\n          in: [pro, enterprise]\n" > f
				printf "        - attribute: app_version\n          semver_gte: 3.%d.0\n", i % 10 > f
				printf "    serve: %s\n", B > f
				printf "default:\n" > f
				split2(f, B, A, pct)
			} else if (shape == 3) {
				printf "  - name: staged launch\n    serve:\n      schedule:\n" > f
				printf "        - at: 2026-0%d-01T09:00:00Z\n          split: { %s: 5, %s: 95 }\n", 1 + e, B, A > f
				printf "        - at: 2026-0%d-15T09:00:00Z\n          split: { %s: 25, %s: 75 }\n", 1 + e, B, A > f
				printf "        - at: 2027-0%d-01T09:00:00Z\n          variant: %s\n", 1 + e, B > f
				printf "default: %s\n", A > f
			} else if (shape == 4) {
				printf "  - name: early adopters\n    when:\n      attribute: targeting_key\n      in: [%s]\n    serve: %s\n", users(i, 20 + i % 20), B > f
				printf "  - name: outside %s\n    when:\n      not:\n        segment: %s\n    serve:\n", seg, seg > f
				split2(f, B, A, pct)
				printf "default: %s\n", A > f
			} else if (shape == 5) {
				printf "  - name: top tiers\n    when:\n      attribute: tier\n      gte: %d\n    serve: %s\n", 5 + i % 5, C > f
				printf "  - name: mobile\n    when:\n      any:\n        - attribute: platform\n          starts_with: ios\n        - attribute: platform\n          eq: android\n    serve: %s\n", B > f
				printf "default: %s\n", A > f
			} else if (shape == 6) {
				printf "default: %s\n", (e == 1) ? B : A > f
			} else {
				printf "  - name: tenants in %s\n    when:\n      segment: %s\n    serve:\n", seg, seg > f
				if (type == "boolean")
					split2(f, B, A, pct)
				else
					printf "      split:\n        %s: 34\n        %s: 33\n        %s: 33\n", A, B, C > f
				printf "      by: tenant_key\n" > f
				printf "  - name: rest of the world\n    when:\n      attribute: country\n      not_in: [%s]\n    serve: %s\n", list(i + 3, 8, ncc), B > f
				printf "default: %s\n", A > f
			}
			close(f)
		}
	}
}'

cd "$R"
git init -q
git add -A
git -c user.name=bench -c user.email=bench@example.invalid \
    -c commit.gpgsign=false -c gc.auto=0 commit -q -m "synthetic ruleset of $N flags"
git gc -q   # packed, as a clone is
