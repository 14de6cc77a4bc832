package dev.berth.itest;

import dev.berth.api.cri.v1.AttachRequest;
import dev.berth.api.cri.v1.ExecRequest;
import dev.berth.api.cri.v1.PortForwardRequest;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of a Kubernetes API server for a real kubectl to exec, attach and port-forward into pods of one
 * berthd: discovery, GET of a pod, and the pods' exec/attach/portforward subresources. Those it turns into CRI
 * Exec/Attach/PortForward calls and then proxies the connection, upgrade request and all, to the URL berthd hands
 * out — what the API server and the kubelet do together on a real node. So kubectl's own SPDY and WebSocket code,
 * not a client we wrote, is what talks to berthd's streaming server.
 */
final class KubeApiShim implements AutoCloseable {
    /** A pod as kubectl may name it: its sandbox and its containers by name. */
    record Pod(String sandboxId, Map<String, String> containerIds) {
    }

    private static final Pattern POD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)(/[a-z]+)?");
    private final Berthd daemon;
    private final ServerSocket server;
    private final Map<String, Pod> pods = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    KubeApiShim(Berthd daemon) throws IOException {
        this.daemon = daemon;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "kube-api-shim");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    void addPod(String name, Pod pod) {
        pods.put(name, pod);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "kube-api-shim-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            Head head = Head.read(in);
            if (head == null) {
                return;
            }
            Matcher m = POD.matcher(head.path());
            if (m.matches() && m.group(3) != null) {
                streamSubresource(client, head, m.group(2), m.group(3).substring(1));
                return;
            }
            String json = m.matches() ? podJson(m.group(1), m.group(2)) : discovery(head.path());
            if (json == null) {
                respond(client, 404, status(404, "NotFound", head.path() + " not found"));
            } else {
                respond(client, 200, json);
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            closeQuietly(client);
        }
    }

    /** exec/attach/portforward: the CRI call, then the raw connection spliced to berthd's streaming server. */
    private void streamSubresource(Socket client, Head head, String podName, String sub) throws IOException {
        Pod pod = pods.get(podName);
        if (pod == null) {
            respond(client, 404, status(404, "NotFound", "pods \"" + podName + "\" not found"));
            return;
        }
        Map<String, List<String>> q = head.query();
        String url;
        try {
            url = switch (sub) {
                case "exec" -> daemon.runtime().exec(ExecRequest.newBuilder()
                        .setContainerId(container(pod, q)).addAllCmd(q.getOrDefault("command", List.of()))
                        .setTty(flag(q, "tty")).setStdin(flag(q, "stdin")).setStdout(flag(q, "stdout"))
                        .setStderr(flag(q, "stderr")).build()).getUrl();
                case "attach" -> daemon.runtime().attach(AttachRequest.newBuilder()
                        .setContainerId(container(pod, q))
                        .setTty(flag(q, "tty")).setStdin(flag(q, "stdin")).setStdout(flag(q, "stdout"))
                        .setStderr(flag(q, "stderr")).build()).getUrl();
                case "portforward" -> daemon.runtime().portForward(PortForwardRequest.newBuilder()
                        .setPodSandboxId(pod.sandboxId()).build()).getUrl();
                default -> null;
            };
        } catch (StatusRuntimeException e) {
            respond(client, 500, status(500, "InternalError", e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription()));
            return;
        }
        if (url == null) {
            respond(client, 404, status(404, "NotFound", sub + " is not a pod subresource here"));
            return;
        }
        URI target = URI.create(url);
        Socket upstream = new Socket(target.getHost(), target.getPort());
        open.add(upstream);
        try {
            StringBuilder req = new StringBuilder(head.method()).append(' ').append(target.getRawPath())
                    .append(" HTTP/1.1\r\nHost: ").append(target.getHost()).append(':').append(target.getPort())
                    .append("\r\n");
            head.headers().forEach(h -> {
                if (!h.toLowerCase().startsWith("host:")) {
                    req.append(h).append("\r\n");
                }
            });
            req.append("\r\n");
            upstream.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            upstream.getOutputStream().write(head.buffered());
            Thread up = pump(client, upstream);
            pump(upstream, client).join(600_000);
            up.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(upstream);
        }
    }

    private static Thread pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "kube-api-shim-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String container(Pod pod, Map<String, List<String>> q) {
        String name = q.getOrDefault("container", List.of("")).get(0);
        String id = name.isEmpty() && pod.containerIds().size() == 1 ? pod.containerIds().values().iterator().next()
                : pod.containerIds().get(name);
        return id == null ? "no-such-container-" + name : id;
    }

    private static boolean flag(Map<String, List<String>> q, String name) {
        List<String> v = q.get(name);
        return v != null && (v.contains("true") || v.contains("1"));
    }

    private String podJson(String namespace, String name) {
        Pod p = pods.get(name);
        if (p == null) {
            return null;
        }
        StringBuilder containers = new StringBuilder();
        for (String c : p.containerIds().keySet()) {
            containers.append(containers.length() == 0 ? "" : ",").append("{\"name\":\"").append(c)
                    .append("\",\"image\":\"busybox\"}");
        }
        return "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\""
                + namespace + "\",\"uid\":\"uid-" + name + "\"},\"spec\":{\"containers\":[" + containers
                + "]},\"status\":{\"phase\":\"Running\"}}";
    }

    private static String discovery(String path) {
        return switch (path) {
            case "/version" -> "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0\"}";
            case "/api" -> "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
                    + "[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1\"}]}";
            case "/apis" -> "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[]}";
            case "/api/v1" -> "{\"kind\":\"APIResourceList\",\"groupVersion\":\"v1\",\"resources\":["
                    + "{\"name\":\"pods\",\"singularName\":\"pod\",\"namespaced\":true,\"kind\":\"Pod\","
                    + "\"verbs\":[\"get\",\"list\"],\"shortNames\":[\"po\"]},"
                    + "{\"name\":\"pods/exec\",\"namespaced\":true,\"kind\":\"PodExecOptions\",\"verbs\":[\"create\",\"get\"]},"
                    + "{\"name\":\"pods/attach\",\"namespaced\":true,\"kind\":\"PodAttachOptions\",\"verbs\":[\"create\",\"get\"]},"
                    + "{\"name\":\"pods/portforward\",\"namespaced\":true,\"kind\":\"PodPortForwardOptions\","
                    + "\"verbs\":[\"create\",\"get\"]}]}";
            default -> null;
        };
    }

    private static String status(int code, String reason, String message) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"reason\":\"" + reason + "\",\"code\":"
                + code + "}";
    }

    private static void respond(Socket s, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + code + (code == 200 ? " OK" : " Error") + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        open.forEach(KubeApiShim::closeQuietly);
    }

    /** An HTTP request's head, and any bytes read past it. */
    private record Head(String method, String target, List<String> headers, byte[] buffered) {
        static Head read(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int matched = 0;
            for (int c; (c = in.read()) >= 0; ) {
                b.write(c);
                matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
                if (matched == 4) {
                    String[] lines = b.toString(StandardCharsets.ISO_8859_1).split("\r\n");
                    String[] first = lines[0].split(" ");
                    return new Head(first[0], first[1], List.of(lines).subList(1, lines.length), new byte[0]);
                }
                if (b.size() > 65536) {
                    return null;
                }
            }
            return null;
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        Map<String, List<String>> query() {
            Map<String, List<String>> q = new LinkedHashMap<>();
            int i = target.indexOf('?');
            if (i < 0) {
                return q;
            }
            for (String kv : target.substring(i + 1).split("&")) {
                int eq = kv.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                q.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            }
            return q;
        }
    }
}
