/**
 * The content store plugin (io.berth.content.v1)
 */
package dev.berth.content;
