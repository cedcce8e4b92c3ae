package org.lungflow.local;

import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Resource;

/** One resource type in memory: create (plain or conditional on identifier), read, search by identifier. */
public final class InMemoryProvider<T extends Resource> implements IResourceProvider {
  private final Class<T> type;
  private final Map<String, T> byId = new LinkedHashMap<>();
  private long nextId = 1;

  public InMemoryProvider(Class<T> type) {
    this.type = type;
  }

  @Override
  public Class<T> getResourceType() {
    return type;
  }

  @Create
  public synchronized MethodOutcome create(@ResourceParam Resource resource, @ConditionalUrlParam String conditionalUrl) {
    if (conditionalUrl != null) {
      List<T> matches = find(identifierOf(conditionalUrl));
      if (matches.size() > 1) throw new PreconditionFailedException("If-None-Exist matches " + matches.size() + " resources");
      if (matches.size() == 1) {
        MethodOutcome existing = new MethodOutcome(matches.get(0).getIdElement());
        existing.setCreated(false);
        existing.setResource(matches.get(0));
        return existing;
      }
    }
    T stored = type.cast(resource.copy());
    IdType id = new IdType(stored.fhirType(), Long.toString(nextId++), "1");
    stored.setId(id);
    stored.getMeta().setVersionId("1").setLastUpdatedElement(InstantType.now());
    byId.put(id.getIdPart(), stored);
    MethodOutcome outcome = new MethodOutcome(id);
    outcome.setCreated(true);
    outcome.setResource(stored);
    return outcome;
  }

  @Read
  public synchronized T read(@IdParam IdType id) {
    T found = byId.get(id.getIdPart());
    if (found == null) throw new ResourceNotFoundException(id);
    return found;
  }

  @Search
  public synchronized List<T> search(@OptionalParam(name = "identifier") TokenParam identifier) {
    return find(identifier);
  }

  private List<T> find(TokenParam identifier) {
    List<T> found = new ArrayList<>();
    for (T resource : byId.values()) {
      if (identifier == null || matches(resource, identifier)) found.add(resource);
    }
    return found;
  }

  private static boolean matches(Resource resource, TokenParam token) {
    for (Base value : resource.getNamedProperty("identifier").getValues()) {
      Identifier id = (Identifier) value;
      boolean systemOk = token.getSystem() == null || token.getSystem().equals(id.getSystem());
      if (systemOk && token.getValue() != null && token.getValue().equals(id.getValue())) return true;
    }
    return false;
  }

  /** `Type?identifier=system|value`: the one search the conditional creates of LungFlow use. */
  private static TokenParam identifierOf(String conditionalUrl) {
    String query = conditionalUrl.substring(conditionalUrl.indexOf('?') + 1);
    for (String pair : query.split("&")) {
      if (pair.startsWith("identifier=")) {
        String token = URLDecoder.decode(pair.substring("identifier=".length()), StandardCharsets.UTF_8);
        int bar = token.indexOf('|');
        return bar < 0 ? new TokenParam(null, token) : new TokenParam(bar == 0 ? null : token.substring(0, bar), token.substring(bar + 1));
      }
    }
    throw new InvalidRequestException("If-None-Exist supports identifier=system|value only, got: " + conditionalUrl);
  }
}
