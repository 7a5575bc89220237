terraform {
  # Write-only arguments (`*_wo`) and ephemeral variables keep the database password out of
  # plan files and state; both need Terraform >= 1.11 or OpenTofu >= 1.11.
  required_version = ">= 1.11.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
  }
}
