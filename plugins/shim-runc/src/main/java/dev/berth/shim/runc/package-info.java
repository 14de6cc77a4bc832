/**
 * The runc runtime shim plugin (io.berth.runtime.v2.runc)
 */
package dev.berth.shim.runc;
