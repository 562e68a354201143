# vaultform-plan: read-only access for `vaultform plan` (pull-request CI, drift checks).
#
# Grants exactly the reads `vaultform plan` makes and nothing it could write with.
# Adapt the three marked blocks (KV mounts, auth mounts, ownership mount) to your
# manifest; everything else holds for any manifest.
#
# Be aware: diffing a KV secret means reading its values, so a token with this
# policy can read every secret under the KV paths granted below. Give it only to
# jobs you would trust with those values.

# List every secrets-engine mount (GET sys/mounts): declared mounts, KV versions,
# unmanaged mounts, and whether the ownership mount exists.
path "sys/mounts" {
  capabilities = ["read"]
}

# List every auth method (GET sys/auth).
path "sys/auth" {
  capabilities = ["read"]
}

# The names of all ACL policies (LIST sys/policies/acl) and the text of each
# declared or managed one (GET sys/policies/acl/<name>).
path "sys/policies/acl/" {
  capabilities = ["list"]
}
path "sys/policies/acl/+" {
  capabilities = ["read"]
}

# ADAPT: one pair of blocks per AppRole or Kubernetes auth mount the manifest
# declares ([auth.<path>] with roles, or [approles.*] with `mount`). List its roles
# and read each one. `+` is one path segment: a role's definition is readable,
# its role-id and secret-ids (auth/<mount>/role/<name>/...) are not.
# Do not widen this to `auth/+/...`: that would also cover the JWT or Kubernetes
# mount vaultform itself logs in through.
path "auth/approle/role/" {
  capabilities = ["list"]
}
path "auth/approle/role/+" {
  capabilities = ["read"]
}
path "auth/kubernetes/role/" {
  capabilities = ["list"]
}
path "auth/kubernetes/role/+" {
  capabilities = ["read"]
}

# OPTIONAL, only if an [approles.<name>] sets `credentials_dir` (vaultform
# delivers the role's role_id and secret_id files on the host it runs on; not
# something to do from CI). Plan compares the delivered files with the server:
# the role's current role-id, and whether the delivered secret-id (or, with
# `wrap_ttl`, its wrapping token) is still valid. Uncomment to use.
# path "auth/approle/role/+/role-id" {
#   capabilities = ["read"]
# }
# path "auth/approle/role/+/secret-id/lookup" {
#   capabilities = ["update"]
# }
# path "sys/wrapping/lookup" {
#   capabilities = ["update"]
# }

# ADAPT: the configuration of every auth method the manifest configures
# ([auth.<path>] with `config = {...}`), e.g. kubernetes_host.
path "auth/kubernetes/config" {
  capabilities = ["read"]
}

# ADAPT: one block per KV v2 mount holding [secrets."<mount>/<path>"] entries
# (here the `secret/` mount). Only the data path is needed: vaultform reads the
# latest version and its version number in one request.
path "secret/data/*" {
  capabilities = ["read"]
}
# OPTIONAL, per KV v2 mount: every secret's path (no value), to report
# unmanaged secrets: one SCAN on OpenBao (`scan`; drop it on HashiCorp Vault,
# which walks the tree with LIST). Without it, plans say they cannot report them.
path "secret/metadata/" {
  capabilities = ["list", "scan"]
}
path "secret/metadata/*" {
  capabilities = ["list"]
}
# RECOMMENDED, per KV v2 mount: every secret's metadata (version, created and
# deletion times; no value) in one SCAN on OpenBao (or paginated LIST), so that
# plans read the data only of secrets that changed since vaultform last wrote
# or read them. Without it, plans read every secret (HashiCorp Vault has no
# `detailed-metadata`: there they always do).
path "secret/detailed-metadata/" {
  capabilities = ["list", "scan"]
}
path "secret/detailed-metadata/*" {
  capabilities = ["list"]
}

# ADAPT if [vaultform] ownership_mount is set (default `vaultform`): the
# ownership records (which addresses each manifest manages; no secret values:
# `managed` for a manifest without a name, `records/<name>` for named ones; every
# plan reads them all, so that it never touches another manifest's resources)
# and the HMAC key that makes saved plans' fingerprints checkable only with
# Vault access.
path "vaultform/data/managed" {
  capabilities = ["read"]
}
path "vaultform/metadata/records" {
  capabilities = ["list"]
}
path "vaultform/data/records/+" {
  capabilities = ["read"]
}
path "vaultform/data/fingerprint-key" {
  capabilities = ["read"]
}
# What each manifest last knew of its secrets (version, created time, keyed
# fingerprint of the declared values; no value): `known/<name>`, `default` for
# a manifest without a name. Without it, plans read every secret.
path "vaultform/data/known/+" {
  capabilities = ["read"]
}

# Revoke the token at the end of a run when vaultform logged in itself
# (--auth-method approle|jwt|kubernetes). The built-in `default` policy grants
# this too; it is repeated here so that roles with token_no_default_policy work.
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Audit devices: only manifests with [audit.*] sections read sys/audit, a
# `sudo` path. Uncomment for those:
# path "sys/audit" {
#   capabilities = ["read", "sudo"]
# }
