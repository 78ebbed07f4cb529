/* cmd_publish.c - `rsc publish`: verify snapshots, then hand them to the
 * transport the --to URL names (publish.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/rsl.h"
#include "atomic.h"
#include "cli.h"
#include "configmap.h"
#include "oci.h"
#include "publish.h"
#include "s3.h"

int rsc_cmd_publish(int argc, char **argv);

static const char publish_help[] =
"usage: rsc publish --pub FILE [--pub FILE]... --to URL [--output FILE] SNAPSHOT...\n"
"\n"
"Verifies each snapshot with the trusted public keys, exactly as a node will\n"
"(a snapshot that does not verify is refused and nothing is published), then\n"
"publishes it where nodes fetch it from (rsc agent --from URL, or a mount).\n"
"Each environment goes out under two names: \"<env>-<version>\" first, which\n"
"keeps every version, then \"<env>\", which the nodes follow.  The signature\n"
"stays the only root of trust: no transport is trusted, and a node verifies\n"
"again what it downloads.\n"
"\n"
"  --to URL        where to publish:\n"
"      oci://REGISTRY/REPO    an OCI registry: each snapshot as an OCI artifact\n"
"                  (artifactType " RSC_OCI_ARTIFACT_TYPE ", the\n"
"                  snapshot its one layer, annotations with the environment,\n"
"                  version, commit and commit time), tagged <env>-<version>\n"
"                  and <env>.  https, except plain http to a loopback host;\n"
"                  oci+http://REGISTRY/REPO asks for plain http to any host.\n"
"                  Credentials: RSC_REGISTRY_USER and RSC_REGISTRY_PASSWORD,\n"
"                  else REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json or\n"
"                  ~/.docker/config.json (\"auths\"); Basic and Bearer tokens.\n"
"      s3://BUCKET/PREFIX     S3 or an S3-compatible store, signed with AWS\n"
"                  Signature V4: PREFIX/<env>-<version>.rsnap, then\n"
"                  PREFIX/<env>.rsnap.  Credentials: AWS_ACCESS_KEY_ID,\n"
"                  AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, else AWS_PROFILE\n"
"                  in ~/.aws/credentials; region AWS_REGION or ~/.aws/config\n"
"                  (us-east-1); AWS_ENDPOINT_URL for another server (path-style).\n"
"      file://DIR             a directory: DIR/<env>-<version>.rsnap, then\n"
"                  DIR/<env>.rsnap, each written to a temporary file, fsync'd\n"
"                  and renamed into place (never a partial file).\n"
"      configmap:NAME, configmap:NAMESPACE/NAME   a Kubernetes ConfigMap\n"
"                  manifest (JSON, for kubectl apply -f) with each snapshot\n"
"                  as binaryData \"<env>.rsnap\"; refused past Kubernetes' 1 MiB.\n"
"                  To stdout, or to --output FILE.\n"
"  --pub FILE      a trusted public key (SubjectPublicKeyInfo PEM); repeat it\n"
"                  during a key rotation\n"
"  --output FILE   configmap: write the manifest to FILE (atomically)\n"
"  -h, --help      this help\n"
"\n"
"Credentials are read from the environment and the usual files only, never\n"
"from the command line.  Requests time out after 60 s; errors name the\n"
"request, the HTTP status and the server's error code.\n"
"\n"
"Exit status: 0 published, 1 a snapshot does not verify (nothing published),\n"
"2 usage error, 3 the transport failed (network, HTTP status, permissions;\n"
"the names already written stay, and publishing again is safe).\n"
"\n"
"Examples:\n"
"  rsc publish --pub keys/ci.pub --to oci://registry.example.com/team/flags out/*.rsnap\n"
"  AWS_REGION=eu-west-1 rsc publish --pub keys/ci.pub --to s3://fleet-flags/prod out/prod.rsnap\n"
"  rsc publish --pub keys/ci.pub --to configmap:flags out/*.rsnap | kubectl apply -f -\n";

static int run(const char *to, const char *output, const rsc_pub_snap *snaps, size_t n)
{
	char err[1024] = "";
	int rc = 0;
	if (output && strncmp(to, "configmap:", 10) != 0)
		return rsc_usage("publish", "--output is for --to configmap:NAME only");
	if (strncmp(to, "file://", 7) == 0) {
		rc = rsc_file_publish(to + 7, snaps, n, stdout, err, sizeof err);
	} else if (strncmp(to, "oci://", 6) == 0 || strncmp(to, "oci+http://", 11) == 0) {
		rsc_oci_loc loc;
		if (rsc_oci_parse(&loc, to, err, sizeof err) != 0)
			return rsc_usage("publish", "--to %s", err);
		rc = rsc_oci_push(&loc, snaps, n, stdout, err, sizeof err);
	} else if (strncmp(to, "s3://", 5) == 0) {
		rsc_s3_loc loc;
		if (rsc_s3_parse(&loc, to, err, sizeof err) != 0)
			return rsc_usage("publish", "--to %s", err);
		rc = rsc_s3_push(&loc, snaps, n, stdout, err, sizeof err);
	} else if (strncmp(to, "configmap:", 10) == 0) {
		char name[254], ns[64];
		size_t len;
		if (rsc_configmap_parse(name, ns, to, err, sizeof err) != 0)
			return rsc_usage("publish", "--to %s", err);
		char *m = rsc_configmap_render(name, ns, snaps, n, &len, err, sizeof err);
		if (!m) {
			rc = -1;
		} else if (output) {
			rc = rsc_atomic_write(output, m, len, 0644, 0, err, sizeof err);
			if (rc == 0)
				printf("published ConfigMap %s%s%s: %s\n", ns, *ns ? "/" : "", name,
				       output);
		} else {
			rc = fwrite(m, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -1;
			if (rc)
				snprintf(err, sizeof err, "cannot write the manifest to stdout");
		}
		free(m);
	} else {
		return rsc_usage("publish", "--to '%s': expected oci://REGISTRY/REPO, "
				 "s3://BUCKET/PREFIX, file://DIR or configmap:NAME", to);
	}
	if (rc != 0) {
		rsc_errorf("publish", "%s", err);
		return RSC_EXIT_IO;
	}
	return RSC_EXIT_OK;
}

int rsc_cmd_publish(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 0x200 },
		{ "to", required_argument, NULL, 0x201 },
		{ "output", required_argument, NULL, 0x202 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("publish", publish_help, opts, NULL, argc, argv);
	rsc_cli_pubs pubs = { { NULL }, 0 };
	const char *to = NULL, *output = NULL;
	int c, rc;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (c == 0x201)
			to = p.arg;
		else if (c == 0x202)
			output = p.arg;
		else if ((rc = rsc_cli_pub_option(&pubs, "publish", p.arg)) != RSC_EXIT_OK)
			return rc;
	}
	if (c < 0)
		return p.exit;
	if (!to)
		return rsc_usage("publish", "where to? give --to URL");
	if (p.next == argc)
		return rsc_usage("publish", "which snapshot? give SNAPSHOT");
	rsl_keyring *kr;
	if ((rc = rsc_cli_keyring(&kr, "publish", &pubs)) != RSC_EXIT_OK)
		return rc;
	size_t n = (size_t)(argc - p.next);
	rsc_pub_snap *snaps = calloc(n, sizeof *snaps);
	if (!snaps) {
		rsl_keyring_free(kr);
		rsc_errorf("publish", "out of memory");
		return RSC_EXIT_IO;
	}
	rc = RSC_EXIT_OK;
	/* Every snapshot is verified before anything is published. */
	for (size_t i = 0; i < n && rc == RSC_EXIT_OK; i++) {
		char err[1024];
		if (rsc_pub_snap_load(&snaps[i], argv[p.next + (int)i], kr, err, sizeof err) != 0) {
			rsc_errorf("publish", "%s", err);
			rc = strstr(err, "does not verify") ? RSC_EXIT_INVALID : RSC_EXIT_IO;
		}
	}
	rsl_keyring_free(kr);
	if (rc == RSC_EXIT_OK)
		rc = run(to, output, snaps, n);
	for (size_t i = 0; i < n; i++)
		rsc_pub_snap_free(&snaps[i]);
	free(snaps);
	return rc;
}
