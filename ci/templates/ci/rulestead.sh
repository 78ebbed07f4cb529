#!/bin/sh
# Rulestead's CI steps as one plain POSIX script, for any CI system (the
# GitLab pipeline in .gitlab-ci.yml calls it too).  Written by `rsc init`;
# Rulestead's docs/gitops.md walks through the whole flow.
#
#   sh ci/rulestead.sh review BASE   on a pull request: validate, lint, write
#                                    the review of BASE..HEAD (rsc diff, and rsc
#                                    simulate when tests/contexts.jsonl exists)
#                                    to rulestead-review.md, the body of one
#                                    pull-request comment, then run the
#                                    expectations in tests/
#   sh ci/rulestead.sh publish       on a merge to main: compile and sign every
#                                    environment into snapshots/, then verify
#                                    each against keys/ci.pub; with
#                                    RSC_PUBLISH_TO set, rsc publish them there
#   sh ci/rulestead.sh renew         on a schedule: the same commit, issued now,
#                                    so that nodes do not go STALE (published
#                                    likewise)
#
# Needs rsc on PATH and a clone with the whole history (a shallow clone
# cannot give the version or the merge base).  publish and renew read the
# private key from the environment variable RSC_SIGNING_KEY (a CI secret,
# never a file) and check the result against the committed keys/ci.pub.
# RSC_PUBLISH_TO (oci://REGISTRY/REPO, s3://BUCKET/PREFIX, file://DIR) is where
# nodes fetch from; the registry's or bucket's credentials come from the
# environment too (Rulestead's docs/publish.md).
# Exit status: 0 done, anything else a step that failed (its output says why).
set -eu

review() {
	base=$1
	rsc validate
	rsc lint
	# rsc diff exits 1 when something changed, which is what a review shows.
	rsc diff --format markdown "$base" HEAD > rulestead-review.md || [ $? -eq 1 ]
	if [ -f tests/contexts.jsonl ]; then
		echo >> rulestead-review.md
		rsc simulate --contexts tests/contexts.jsonl --format markdown "$base" HEAD >> rulestead-review.md || [ $? -eq 1 ]
	fi
	cat rulestead-review.md
	# Last, so that the review is written even when an expectation breaks.
	rsc test
}

# To where the nodes fetch, when the CI says where.
distribute() {
	[ -z "${RSC_PUBLISH_TO:-}" ] ||
		rsc publish --pub keys/ci.pub --to "$RSC_PUBLISH_TO" snapshots/*.rsnap
}

publish() {
	rsc compile --out snapshots
	rsc verify --pub keys/ci.pub snapshots/*.rsnap
	distribute
}

renew() {
	rsc compile --issued-at now --out snapshots
	rsc verify --pub keys/ci.pub snapshots/*.rsnap
	distribute
}

case ${1:-} in
review)
	[ $# -eq 2 ] || { echo "usage: $0 review BASE   (e.g. origin/main)" >&2; exit 2; }
	review "$2" ;;
publish | renew)
	[ $# -eq 1 ] || { echo "usage: $0 $1" >&2; exit 2; }
	"$1" ;;
*)
	echo "usage: $0 review BASE | publish | renew" >&2
	exit 2 ;;
esac
