package dev.berth.itest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.cri.v1.VersionRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plugin jar from {@code plugin_dir} adding its own gRPC service to berthd's socket: the test plugin
 * {@code testing/echo-plugin} ({@code io.berth.grpc.v1.echo}) serves {@code berth.test.Echo/Say}, defined without
 * protoc. This client knows only the wire: the method's name and that its messages are UTF-8 strings. A plugin whose
 * service name berthd already serves is refused, naming the clash, and CRI stays with the CRI plugin.
 */
@ExtendWith(Daemons.class)
class GrpcPluginIT {
    private static final String ECHO = "io.berth.grpc.v1.echo";

    @Test
    void aPluginFromPluginDirServesItsOwnServiceOnTheSocket(Daemons.Session s) throws Exception {
        TestConfig c = s.config().installPlugin("echo", "echo-plugin.jar")
                .append("[plugins.\"" + ECHO + "\"]\ngreeting = \"configured in the itest\"\n");
        Berthd d = s.start(c);

        String answer = say(d, "berth.test.Echo", "stressed");
        // reversed by the plugin, with its config value and the name of the class loader its classes came from:
        // berthd's loader for that plugin directory, not the daemon's own
        assertThat(answer).isEqualTo("desserts | configured in the itest | " + c.pluginDir().resolve("echo"));
        assertThatThrownBy(() -> say(d, "berth.test.Echo", "")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo("request: must not be empty");
        });

        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).containsPattern("io\\.berth\\.grpc\\.v1 +echo +ok")
                .containsPattern("io\\.berth\\.grpc\\.v1 +cri +ok").containsPattern("io\\.berth\\.grpc\\.v1 +admin +ok");
        Berthctl.Result json = Berthctl.run("-r", d.socket().toString(), "plugins", "ls", "-o", "json", "--type", "io.berth.grpc");
        assertThat(json.output()).contains("\"origin\": \"" + c.pluginDir().resolve("echo") + "\"");
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
        assertThat(d.terminate()).isZero();
    }

    @Test
    void aPluginServingABuiltinServiceNameIsRefusedAndCriStaysWithTheCriPlugin(Daemons.Session s) throws Exception {
        TestConfig c = s.config().installPlugin("echo", "echo-plugin.jar")
                .append("[plugins.\"" + ECHO + "\"]\nservice = \"runtime.v1.RuntimeService\"\n");
        Berthd d = s.start(c);

        String clash = "gRPC service runtime.v1.RuntimeService is already served by io.berth.grpc.v1.cri";
        Berthctl.Result ls = Berthctl.run("-r", d.socket().toString(), "plugins", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        assertThat(ls.output()).containsPattern("io\\.berth\\.grpc\\.v1 +echo +error +" + clash.replace(".", "\\."))
                .containsPattern("io\\.berth\\.grpc\\.v1 +cri +ok");
        assertThat(d.log()).contains("plugin " + ECHO + " refused: " + clash);
        // the CRI plugin's RuntimeService answers, and nothing of the plugin's is served under that name
        assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("berth");
        assertThatThrownBy(() -> say(d, "runtime.v1.RuntimeService", "hi")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        assertThat(d.terminate()).isZero();

        // made a required plugin, the clash stops berthd, saying why
        TestConfig required = s.config("required").installPlugin("echo", "echo-plugin.jar")
                .set("required_plugins = [\"" + ECHO + "\"]")
                .append("[plugins.\"" + ECHO + "\"]\nservice = \"runtime.v1.ImageService\"\n");
        Berthd r = s.launch(required);
        assertThat(r.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
        assertThat(r.log()).contains("required plugin " + ECHO + " is error: gRPC service runtime.v1.ImageService is"
                + " already served by io.berth.grpc.v1.cri");
        assertThat(r.socket()).doesNotExist();
    }

    /** {@code <service>/Say} with a UTF-8 string, as the plugin defines it. */
    private static String say(Berthd d, String service, String request) {
        MethodDescriptor<String, String> say = MethodDescriptor.<String, String>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "Say"))
                .setRequestMarshaller(Utf8.INSTANCE).setResponseMarshaller(Utf8.INSTANCE)
                .build();
        return ClientCalls.blockingUnaryCall(d.channel().channel(), say,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
    }

    private enum Utf8 implements MethodDescriptor.Marshaller<String> {
        INSTANCE;

        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
