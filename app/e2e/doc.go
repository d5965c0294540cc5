// Package e2e tests the admit binary as a process.
package e2e
