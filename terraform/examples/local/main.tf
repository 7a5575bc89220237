# A stack that needs no cloud and no provider download: only OpenTofu's built-in
# terraform_data resource. opsbot's tests and demos plan and apply it for real, so every
# plan action (create, update, replace, destroy) can be produced by changing a variable.

terraform {
  required_version = ">= 1.6.0"

  # State stays beside the configuration; *.tfstate is gitignored.
  backend "local" {}
}

variable "environment" {
  description = "Name of the environment; changing it updates the app resource in place."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or dashes."
  }
}

variable "app_version" {
  description = "Application release; changing it replaces the release resource."
  type        = string
  default     = "1.0.0"
}

variable "replicas" {
  description = "Number of worker instances; lowering it destroys the extra ones."
  type        = number
  default     = 2

  validation {
    condition     = var.replicas >= 0 && var.replicas <= 10
    error_message = "replicas must be between 0 and 10."
  }
}

variable "db_password" {
  description = "Database password. Pass it as TF_VAR_db_password; never write it to a file."
  type        = string
  sensitive   = true
  default     = null
}

resource "terraform_data" "app" {
  input = {
    name        = "opsbot-demo"
    environment = var.environment
  }
}

resource "terraform_data" "release" {
  input = var.app_version

  # A new release is a new object, not an edit of the old one.
  triggers_replace = [var.app_version]
}

resource "terraform_data" "worker" {
  count = var.replicas

  input = "${terraform_data.app.output.name}-worker-${count.index}"
}

resource "terraform_data" "database" {
  input = {
    host = "db.${var.environment}.internal"
    # Only a digest of the password is kept, and it is still marked sensitive.
    password_sha256 = var.db_password == null ? null : sha256(var.db_password)
  }
}

output "app_name" {
  description = "Name of the demo application."
  value       = terraform_data.app.output.name
}

output "release" {
  description = "Deployed application release."
  value       = terraform_data.release.output
}

output "workers" {
  description = "Names of the worker instances."
  value       = terraform_data.worker[*].output
}

output "database_password_digest" {
  description = "Digest of the database password (sensitive)."
  value       = terraform_data.database.output.password_sha256
  sensitive   = true
}
