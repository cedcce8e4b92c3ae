package org.lungflow.local;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.net.InetSocketAddress;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.ImagingStudy;
import org.hl7.fhir.r4.model.Observation;

/**
 * A FHIR R4 server for the local stack: HAPI FHIR's RestfulServer (the server half of HAPI, without the JPA
 * database) on Jetty, holding ImagingStudy, DiagnosticReport and Observation in memory. It supports read, search by
 * identifier and conditional create (If-None-Exist: identifier=system|value), and validates every write against the
 * R4 base profiles with HAPI's instance validator (an invalid resource gets 422 with the OperationOutcome). Memory
 * only: restarting it empties it, which suits a test peer; the JPA server would need a database and ~2 min to start
 * here. The validator is warmed before Jetty listens, so "answers /fhir/metadata" means "validates quickly".
 */
public final class FhirServer {
  private FhirServer() {}

  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    String host = System.getenv().getOrDefault("FHIR_HOST", "127.0.0.1");
    int port = Integer.parseInt(System.getenv().getOrDefault("FHIR_PORT", "8090"));
    FhirContext fhir = FhirContext.forR4();

    ValidationSupportChain support = new ValidationSupportChain(
        new DefaultProfileValidationSupport(fhir),
        new CommonCodeSystemsTerminologyService(fhir),
        new InMemoryTerminologyServerValidationSupport(fhir),
        new SnapshotGeneratingValidationSupport(fhir));
    FhirInstanceValidator module = new FhirInstanceValidator(support);
    FhirValidator warm = fhir.newValidator().registerValidatorModule(module);
    warm.validateWithResult(new Observation().setStatus(Observation.ObservationStatus.FINAL)
        .setCode(new org.hl7.fhir.r4.model.CodeableConcept().setText("warm-up")));

    RequestValidatingInterceptor validating = new RequestValidatingInterceptor();
    validating.addValidatorModule(module);
    validating.setFailOnSeverity(ResultSeverityEnum.ERROR);
    validating.setAddResponseHeaderOnSeverity(null);

    RestfulServer restful = new RestfulServer(fhir);
    restful.setDefaultResponseEncoding(EncodingEnum.JSON);
    restful.setResourceProviders(List.of(
        new InMemoryProvider<>(ImagingStudy.class),
        new InMemoryProvider<>(DiagnosticReport.class),
        new InMemoryProvider<>(Observation.class)));
    restful.registerInterceptor(validating);

    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    context.addServlet(new ServletHolder(restful), "/fhir/*");
    Server server = new Server(new InetSocketAddress(host, port));
    server.setHandler(context);
    server.start();
    System.out.printf("fhir server listening on http://%s:%d/fhir after %.1f s%n", host, port, (System.nanoTime() - started) / 1e9);
    server.join();
  }
}
