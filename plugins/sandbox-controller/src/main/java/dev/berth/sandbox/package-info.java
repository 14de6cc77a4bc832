/**
 * The pod sandbox controller plugin (io.berth.sandbox.controller.v1.podsandbox)
 */
package dev.berth.sandbox;
