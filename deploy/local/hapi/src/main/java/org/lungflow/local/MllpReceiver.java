package org.lungflow.local;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import ca.uhn.hl7v2.protocol.ReceivingApplicationException;
import ca.uhn.hl7v2.util.StandardSocketFactory;
import ca.uhn.hl7v2.util.Terser;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A RIS stand-in for the local stack: HAPI HL7v2's MLLP server. It accepts ORU^R01, appends each accepted message
 * (ER7, segments separated by CR) and one blank line to MLLP_MESSAGES_FILE, and answers AA. A result without an
 * accession number (OBR-18) cannot be matched to an order in a RIS, so it answers AE there, as a RIS would; HAPI
 * itself answers AR for what it cannot parse or route. Binds loopback only (MLLP_HOST).
 */
public final class MllpReceiver {
  private MllpReceiver() {}

  public static void main(String[] args) throws Exception {
    String host = System.getenv().getOrDefault("MLLP_HOST", "127.0.0.1");
    int port = Integer.parseInt(System.getenv().getOrDefault("MLLP_PORT", "2575"));
    Path messages = Path.of(System.getenv().getOrDefault("MLLP_MESSAGES_FILE", "mllp-messages.hl7"));
    Files.createDirectories(messages.toAbsolutePath().getParent());

    HapiContext context = new DefaultHapiContext();
    context.getParserConfiguration().setValidating(false);
    context.setSocketFactory(new StandardSocketFactory() {
      @Override
      public ServerSocket createServerSocket() throws IOException {
        // HAPI binds the wildcard address; the local stack listens on loopback only.
        InetAddress address = InetAddress.getByName(host);
        return new ServerSocket() {
          @Override
          public void bind(SocketAddress endpoint, int backlog) throws IOException {
            super.bind(new InetSocketAddress(address, ((InetSocketAddress) endpoint).getPort()), backlog);
          }
        };
      }
    });
    HL7Service server = context.newServer(port, false);
    server.registerApplication("ORU", "R01", new ReceivingApplication<Message>() {
      @Override
      public Message processMessage(Message message, Map<String, Object> metadata) throws ReceivingApplicationException, HL7Exception {
        Terser terser = new Terser(message);
        String accession = terser.get("/.OBR-18");
        if (accession == null || accession.isBlank()) {
          throw new HL7Exception("OBR-18 (accession number) is empty: no order to attach the result to", ErrorCode.REQUIRED_FIELD_MISSING);
        }
        String er7 = message.encode();
        synchronized (MllpReceiver.class) {
          try {
            Files.writeString(messages, er7.replace("\r", "\n").stripTrailing() + "\n\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
          } catch (IOException error) {
            throw new ReceivingApplicationException("could not store the message", error);
          }
        }
        try {
          return message.generateACK();
        } catch (IOException error) {
          throw new ReceivingApplicationException(error);
        }
      }

      @Override
      public boolean canProcess(Message message) {
        return true;
      }
    });
    server.startAndWait();
    System.out.println("mllp receiver listening on " + host + ":" + port + ", messages to " + messages);
    Runtime.getRuntime().addShutdownHook(new Thread(server::stopAndWait));
    Thread.currentThread().join();
  }
}
