declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route wire codes for domain errors whose code depends on the route (users face). */
    errorCodes?: Partial<Record<string, string>>;
  }
}

export {};
