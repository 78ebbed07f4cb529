/* configmap.c - snapshots as a Kubernetes ConfigMap (see configmap.h). */
#include "configmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

/* An RFC 1123 subdomain (what ConfigMap names are) or, with label, a DNS
 * label (namespaces): lowercase alphanumerics, '-' (and '.' for subdomains),
 * beginning and ending alphanumeric. */
static int dns_name(const char *s, size_t n, size_t max, int label)
{
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
		if (!alnum && !(s[i] == '-' || (s[i] == '.' && !label)))
			return 0;
		if (!alnum && (i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

int rsc_configmap_parse(char name[254], char ns[64], const char *url, char *err, size_t errlen)
{
	name[0] = ns[0] = '\0';
	if (strncmp(url, "configmap:", 10) != 0) {
		snprintf(err, errlen, "'%s' is not configmap:NAME", url);
		return -1;
	}
	const char *v = url + 10, *slash = strchr(v, '/');
	const char *n = slash ? slash + 1 : v;
	if (slash && !dns_name(v, (size_t)(slash - v), 63, 1)) {
		snprintf(err, errlen, "'%s': the namespace '%.*s' is not a DNS label (lowercase "
			 "letters, digits and '-', at most 63)", url, (int)(slash - v), v);
		return -1;
	}
	if (!dns_name(n, strlen(n), 253, 0)) {
		snprintf(err, errlen, "'%s': the ConfigMap name '%s' is not a DNS subdomain "
			 "(lowercase letters, digits, '-' and '.', at most 253)", url, n);
		return -1;
	}
	strcpy(name, n);
	if (slash) {
		memcpy(ns, v, (size_t)(slash - v));
		ns[slash - v] = '\0';
	}
	return 0;
}

char *rsc_configmap_render(const char *name, const char *ns, const rsc_pub_snap *snaps, size_t n,
			   size_t *len, char *err, size_t errlen)
{
	json_t *bin = json_object(), *ann = json_object();
	json_t *meta = json_pack("{s:s, s:{s:s}}", "name", name, "labels",
				 "app.kubernetes.io/managed-by", "rsc");
	json_t *cm = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "ConfigMap");
	char *text = NULL;
	if (!bin || !ann || !meta || !cm)
		goto oom;
	if (*ns)
		json_object_set_new(meta, "namespace", json_string(ns));
	for (size_t i = 0; i < n; i++) {
		char key[RSC_PUB_NAME_MAX + 8], akey[RSC_PUB_NAME_MAX + 32], aval[128];
		snprintf(key, sizeof key, "%s.rsnap", snaps[i].env);
		if (json_object_get(bin, key)) {
			snprintf(err, errlen, "%s and another snapshot are both for environment "
				 "'%s'; a ConfigMap holds one per environment", snaps[i].path,
				 snaps[i].env);
			goto out;
		}
		size_t b64len = sodium_base64_ENCODED_LEN(snaps[i].len,
							   sodium_base64_VARIANT_ORIGINAL);
		if (b64len > RSC_CONFIGMAP_MAX + 1) {
			snprintf(err, errlen, "%s: %zu bytes, which base64 makes %zu: over the "
				 "1 MiB (%u bytes) Kubernetes allows a ConfigMap; publish it "
				 "to oci:// or s3:// instead", snaps[i].path, snaps[i].len,
				 b64len - 1, RSC_CONFIGMAP_MAX);
			goto out;
		}
		char *b64 = malloc(b64len);
		if (!b64)
			goto oom;
		sodium_bin2base64(b64, b64len, snaps[i].data, snaps[i].len,
				  sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(bin, key, json_string(b64));
		free(b64);
		snprintf(akey, sizeof akey, "rulestead.dev/%s", snaps[i].env);
		snprintf(aval, sizeof aval, "version %llu, commit %s",
			 (unsigned long long)snaps[i].version, snaps[i].commit);
		json_object_set_new(ann, akey, json_string(aval));
	}
	json_object_set_new(meta, "annotations", ann);
	ann = NULL;
	json_object_set_new(cm, "metadata", meta);
	meta = NULL;
	json_object_set_new(cm, "binaryData", bin);
	bin = NULL;
	text = json_dumps(cm, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		goto oom;
	*len = strlen(text);
	if (*len + 1 > RSC_CONFIGMAP_MAX) {
		snprintf(err, errlen, "the ConfigMap would be %zu bytes, over the 1 MiB (%u "
			 "bytes) Kubernetes allows; publish fewer environments per ConfigMap, "
			 "or to oci:// or s3://", *len + 1, RSC_CONFIGMAP_MAX);
		free(text);
		text = NULL;
		goto out;
	}
	char *t = realloc(text, *len + 2);
	if (!t)
		goto oom;
	text = t;
	text[(*len)++] = '\n';
	text[*len] = '\0';
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	free(text);
	text = NULL;
out:
	json_decref(bin);
	json_decref(ann);
	json_decref(meta);
	json_decref(cm);
	return text;
}
