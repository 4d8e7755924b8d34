/** A query outside the supported subset or malformed: HTTP 400, errorType `bad_data`. */
export class QueryError extends Error {}

/** A well-formed query that cannot be evaluated (e.g. many-to-many matching): HTTP 422, `execution`. */
export class ExecutionError extends Error {}
