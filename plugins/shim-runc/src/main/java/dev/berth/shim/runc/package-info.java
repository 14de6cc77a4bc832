/**
 * The runc runtime shim plugin ({@code io.berth.runtime.v2.runc}): containers run by runc (or crun) under one conmon
 * process each, so stdio, the CRI log and the exit code survive a daemon restart. The OCI spec itself is built in
 * {@link dev.berth.shim.runc.spec}.
 */
package dev.berth.shim.runc;
