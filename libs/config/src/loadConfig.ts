import { z } from 'zod';
import { ConfigError } from '@lungflow/errors';

/**
 * Settings come from environment variables only (twelve-factor; the same in Kubernetes ConfigMaps and in
 * deploy/local). A schema's keys are the variable names themselves, so an error can name the bad variable and the
 * README's configuration table can be checked against the schemas.
 */
export type EnvSchema = z.ZodObject<z.ZodRawShape>;

export function loadConfig<S extends EnvSchema>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings count as unset, so `FOO=` in a shell or a blank ConfigMap entry falls back to the default.
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(settings)';
      const given = cleaned[String(issue.path[0])];
      return `${name}: ${issue.message}${given === undefined ? ' (not set)' : ` (got "${given}")`}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`, { details: { variables: result.error.issues.map((i) => i.path.join('.')) } });
  }
  return result.data;
}
