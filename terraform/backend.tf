# State lives in an Azure Storage blob. The block is deliberately empty (partial configuration)
# so that no account name or key is committed; supply it at init time, for example:
#
#   tofu init \
#     -backend-config="resource_group_name=rg-tfstate" \
#     -backend-config="storage_account_name=sttfstateorg" \
#     -backend-config="container_name=tfstate" \
#     -backend-config="key=platform/prod.tfstate" \
#     -backend-config="use_azuread_auth=true"
#
# or keep those lines in a file outside git and pass `-backend-config=prod.azurerm.tfbackend`.
# Credentials come from ARM_* environment variables (or workload identity in CI), never from here.
terraform {
  backend "azurerm" {}
}
