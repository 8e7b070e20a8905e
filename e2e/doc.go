// Package e2e runs the AWS deployment end to end without an AWS account: the real state machine
// definition and EventBridge pattern from template.yaml on moto_server, the real Lambda bootstrap
// binaries under the AWS Lambda Runtime Interface Emulator, and a scripted Bedrock server.
// Its tests are the package; this file only names it.
package e2e
