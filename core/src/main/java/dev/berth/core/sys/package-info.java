/** Linux system calls the daemon and its plugins make without a helper process. */
package dev.berth.core.sys;
