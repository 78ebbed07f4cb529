/*
 * configmap.h - snapshots as a Kubernetes ConfigMap manifest: each
 * environment's snapshot under binaryData as "<env>.rsnap" (base64), so
 * that a volume mount of the ConfigMap puts the files where a node's live
 * client follows them (the kubelet swaps the whole directory at once).
 * The manifest is JSON, which kubectl apply takes as it takes YAML.
 */
#ifndef RSC_CONFIGMAP_H
#define RSC_CONFIGMAP_H

#include <stddef.h>

#include "publish.h"

/* Kubernetes refuses an object over 1 MiB (etcd's request limit). */
#define RSC_CONFIGMAP_MAX (1024u * 1024u)

/* Parses "configmap:NAME" or "configmap:NAMESPACE/NAME" (DNS names as
 * Kubernetes wants them) into name and ns ("" for none).  0 or -1 with err. */
int rsc_configmap_parse(char name[254], char ns[64], const char *url, char *err, size_t errlen);

/* The manifest for snaps[0..n) (malloc'd, *len bytes, ending in a newline);
 * NULL with err when two snapshots share an environment or the manifest
 * would pass RSC_CONFIGMAP_MAX. */
char *rsc_configmap_render(const char *name, const char *ns, const rsc_pub_snap *snaps, size_t n,
			   size_t *len, char *err, size_t errlen);

#endif
