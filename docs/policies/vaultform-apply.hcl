# vaultform-apply: what `vaultform apply` needs (deploy CI on the default branch).
#
# It includes every read of vaultform-plan.hcl (apply reads live state again
# before it writes) plus the writes. Adapt the marked blocks as in that file.
#
# Be aware: a token that may write ACL policies and auth roles can grant itself
# any access, so this policy is effectively an administrator's, whatever the
# paths below. Hand it only to the protected deploy job (protected branch,
# required reviewers, short TTL). The `deny` blocks at the end stop accidents
# (a manifest that would lock vaultform out), not a determined attacker.

# --- Mount tables -----------------------------------------------------------------

# List every secrets-engine mount and auth method (as in vaultform-plan.hcl).
path "sys/mounts" {
  capabilities = ["read"]
}
path "sys/auth" {
  capabilities = ["read"]
}

# --- Secrets-engine mounts --------------------------------------------------------

# Enable (POST sys/mounts/<path>), tune in place (POST sys/mounts/<path>/tune)
# and disable (DELETE sys/mounts/<path>, only for managed mounts and only with
# --allow-destroy) secrets engines. Also creates the ownership mount on the first
# apply (see the guard rail at the end). No `sudo`: OpenBao does not require it
# for secrets-engine mounts.
path "sys/mounts/*" {
  capabilities = ["create", "update", "delete"]
}

# --- Auth methods -----------------------------------------------------------------

# Enable, tune and disable auth methods. Everything under sys/auth/ is a
# root-protected path in OpenBao and Vault: without `sudo`, enabling, tuning
# and disabling are each refused with 403, even with create/update/delete
# (checked against OpenBao 2.7.2 by docs/policies/check.sh).
path "sys/auth/*" {
  capabilities = ["create", "update", "delete", "sudo"]
}

# ADAPT: one set of blocks per AppRole or Kubernetes auth mount the manifest
# declares. List, read, write and delete roles. `+` is one path segment, so this
# cannot read role-ids or issue secret-ids (auth/<mount>/role/<name>/...; but
# see credential delivery below).
path "auth/approle/role/" {
  capabilities = ["list"]
}
path "auth/approle/role/+" {
  capabilities = ["create", "read", "update", "delete"]
}
path "auth/kubernetes/role/" {
  capabilities = ["list"]
}
path "auth/kubernetes/role/+" {
  capabilities = ["create", "read", "update", "delete"]
}

# OPTIONAL, only with `credentials_dir` (see vaultform-plan.hcl): read the
# role-id, check the delivered secret-id, and issue a new one when it is missing,
# expired or revoked. This lets the token log in as those roles: use it on the
# host that receives the credentials, not in CI. Uncomment to use.
# path "auth/approle/role/+/role-id" {
#   capabilities = ["read"]
# }
# path "auth/approle/role/+/secret-id" {
#   capabilities = ["update"]
# }
# path "auth/approle/role/+/secret-id/lookup" {
#   capabilities = ["update"]
# }
# path "sys/wrapping/lookup" {
#   capabilities = ["update"]
# }
# ...and for `vaultform rotate secret-id ROLE`: list the role's secret-id
# accessors and destroy the old ones (`rotate secret` needs only the KV paths).
# path "auth/approle/role/+/secret-id/" {
#   capabilities = ["list"]
# }
# path "auth/approle/role/+/secret-id-accessor/destroy" {
#   capabilities = ["update"]
# }

# ADAPT: read and write the configuration of every auth method the manifest
# configures.
path "auth/kubernetes/config" {
  capabilities = ["create", "read", "update"]
}

# --- ACL policies -----------------------------------------------------------------

# List all policy names; read, write and delete (managed ones only) policies.
path "sys/policies/acl/" {
  capabilities = ["list"]
}
path "sys/policies/acl/+" {
  capabilities = ["create", "read", "update", "delete"]
}

# --- KV v2 secrets ----------------------------------------------------------------

# ADAPT: one pair per KV v2 mount holding [secrets."<mount>/<path>"] entries.
# Read and write (check-and-set) the latest version...
path "secret/data/*" {
  capabilities = ["create", "read", "update"]
}
# ...and destroy a managed secret that left the manifest: every version and its
# metadata (DELETE <mount>/metadata/<path>).
path "secret/metadata/*" {
  capabilities = ["delete", "list"]
}
# ...and list every secret's path (no value) to report unmanaged secrets: one
# SCAN on OpenBao (drop `scan` on HashiCorp Vault, which walks with LIST).
path "secret/metadata/" {
  capabilities = ["list", "scan"]
}
# ...and every secret's metadata (no value) in one SCAN, so that plans read
# only the secrets that changed (see vaultform-plan.hcl).
path "secret/detailed-metadata/" {
  capabilities = ["list", "scan"]
}
path "secret/detailed-metadata/*" {
  capabilities = ["list"]
}

# --- vaultform's own data ---------------------------------------------------------

# ADAPT if [vaultform] ownership_mount is set (default `vaultform`). The
# ownership records, written with check-and-set before the first change and
# after the last deletion (`managed` for a manifest without a name, also written
# once when a manifest that gains a name takes its resources over from it;
# `records/<name>` for named ones; every record is read), and the fingerprint
# key, created once by the first apply. The mount itself is created through
# sys/mounts/* above. To keep teams apart, give each team's token
# `vaultform/data/records/<its name>` instead of `+`.
path "vaultform/data/managed" {
  capabilities = ["create", "read", "update"]
}
path "vaultform/metadata/records" {
  capabilities = ["list"]
}
path "vaultform/data/records/+" {
  capabilities = ["create", "read", "update"]
}
# The apply lock of each manifest (taken, renewed and released with
# check-and-set; `force-unlock` writes it too).
path "vaultform/data/locks/+" {
  capabilities = ["create", "read", "update"]
}
path "vaultform/data/fingerprint-key" {
  capabilities = ["create", "read", "update"]
}
# What each manifest last knew of its secrets (`known/<name>`; no value),
# written once by an apply when it learnt something new.
path "vaultform/data/known/+" {
  capabilities = ["create", "read", "update"]
}

# --- Token ------------------------------------------------------------------------

# Revoke the login token at the end of the run (also in the `default` policy).
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# --- Guard rails ------------------------------------------------------------------
# In OpenBao the most specific matching path wins, so these override the
# wildcards above.

# ADAPT: never disable, tune or re-enable the auth method vaultform logs in
# through (here `jwt/`, as in examples/ci/), which would lock CI out.
path "sys/auth/jwt" {
  capabilities = ["deny"]
}
path "sys/auth/jwt/*" {
  capabilities = ["deny"]
}

# Never rewrite or delete vaultform's own policies; change them by hand.
path "sys/policies/acl/vaultform-*" {
  capabilities = ["deny"]
}

# ADAPT if ownership_mount is set. Create the ownership mount on the first
# apply, but never disable or tune it: it holds the record of what vaultform
# manages. (The exact path overrides `sys/mounts/*`, leaving out `delete`.)
path "sys/mounts/vaultform" {
  capabilities = ["create", "update"]
}
path "sys/mounts/vaultform/*" {
  capabilities = ["deny"]
}

# Audit devices: only manifests with [audit.*] sections; OpenBao refuses API
# creation unless the server sets unsafe_allow_api_audit_creation = true.
# path "sys/audit" {
#   capabilities = ["read", "sudo"]
# }
# path "sys/audit/*" {
#   capabilities = ["create", "update", "delete", "sudo"]
# }
