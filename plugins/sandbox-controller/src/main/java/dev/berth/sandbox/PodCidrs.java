package dev.berth.sandbox;

import dev.berth.core.errdefs.BerthException;
import dev.berth.core.errdefs.ErrorKind;
import dev.berth.sandbox.cni.CniConfTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's pod CIDRs the kubelet sent: kept in {@code <root>/pod-cidrs} so they survive a restart and, when
 * {@code cni_conf_template} is set, rendered into {@code <cni_conf_dir>/}{@value #RENDERED}, which the next pod's
 * network setup reads like any other conflist. Both files are replaced atomically, so a crash or a concurrent pod
 * never sees half a file.
 */
final class PodCidrs {
    private static final Logger LOG = LoggerFactory.getLogger(PodCidrs.class);
    /** The conflist rendered from the template. */
    static final String RENDERED = "10-berth-template.conflist";
    /** The CIDRs, one a line, under the controller's root. */
    static final String STORED = "pod-cidrs";

    private final Path stored;
    private final Path template;
    private final Path confDir;
    private List<String> cidrs;
    private boolean toldNoTemplate;

    /**
     * Reads the CIDRs of an earlier run and renders the template with them again (it may have changed meanwhile).
     *
     * @param template the {@code cni_conf_template}, or null when unset
     * @throws BerthException FAILED_PRECONDITION naming {@code cni_conf_template} when it is set but no file, or
     *         does not render
     */
    PodCidrs(Path root, Path template, Path confDir) throws IOException {
        this.stored = root.resolve(STORED);
        this.template = template;
        this.confDir = confDir;
        if (template != null && !Files.isRegularFile(template)) {
            throw BerthException.failedPrecondition("cni_conf_template = \"%s\": no such file", template);
        }
        this.cidrs = Files.isRegularFile(stored)
                ? Files.readAllLines(stored, StandardCharsets.UTF_8).stream().map(String::strip).filter(l -> !l.isEmpty()).toList()
                : List.of();
        if (template != null && cidrs.isEmpty()) {
            LOG.info("cni_conf_template {} is rendered once the kubelet sends the node's pod CIDR (UpdateRuntimeConfig)",
                    template);
        } else if (template != null) {
            render();
            LOG.info("pod CIDRs {} of the last run rendered from {} into {}", cidrs, template, confDir.resolve(RENDERED));
        }
    }

    /** The CIDRs last sent, empty when none ever were. */
    synchronized List<String> current() {
        return cidrs;
    }

    /** Whether a template waits for CIDRs, so the absence of a network config is expected for now. */
    synchronized boolean waitingForCidrs() {
        return template != null && cidrs.isEmpty();
    }

    /**
     * Keeps {@code newCidrs} and renders the template with them. Nothing changes when rendering fails.
     *
     * @throws BerthException FAILED_PRECONDITION naming the template when it does not render; INTERNAL when a file
     *         cannot be written
     */
    synchronized void update(List<String> newCidrs) {
        List<String> previous = cidrs;
        String rendered = template == null ? null : renderWith(newCidrs);
        try {
            writeAtomically(stored, String.join("\n", newCidrs) + "\n");
            cidrs = List.copyOf(newCidrs);
            if (rendered != null) {
                Files.createDirectories(confDir);
                writeAtomically(confDir.resolve(RENDERED), rendered);
            }
        } catch (IOException e) {
            throw new BerthException(ErrorKind.INTERNAL, "cannot keep pod CIDRs " + newCidrs + ": " + e, e);
        }
        if (!newCidrs.equals(previous)) {
            if (rendered != null) {
                LOG.info("pod CIDRs {} rendered from {} into {}", newCidrs, template, confDir.resolve(RENDERED));
            } else {
                LOG.info("pod CIDRs are now {}", newCidrs);
            }
        }
        if (rendered == null && !toldNoTemplate) {
            toldNoTemplate = true;
            LOG.info("no cni_conf_template is set: pod CIDRs are only kept, the CNI configuration in {} stays as it is",
                    confDir);
        }
    }

    private void render() throws IOException {
        Files.createDirectories(confDir);
        writeAtomically(confDir.resolve(RENDERED), renderWith(cidrs));
    }

    private String renderWith(List<String> with) {
        String text;
        try {
            text = Files.readString(template, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw BerthException.failedPrecondition("cni_conf_template = \"%s\": cannot read it: %s", template, e);
        }
        return CniConfTemplate.render(text, with, "cni_conf_template " + template);
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
