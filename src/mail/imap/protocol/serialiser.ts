/**
 * The response writer and command serialiser in one import.
 */
export * from './serialise-response.ts';
export { fetchResponse, writeFetchItem, type FetchItem } from './serialise-fetch.ts';
export { serialiseCommand } from './serialise-command.ts';
export { writeSearchKey, writeSearchKeys } from './serialise-search.ts';
export { writeResponseCode, type ResponseCode, type BareCodeName } from './response-codes.ts';
export { writeEnvelope, withEnvelopeDefaults, isGroup, type Envelope, type Address, type AddressGroup, type AddressEntry } from './envelope.ts';
export {
  writeBodyStructure, isMultipart, type BodyStructure, type SinglePart, type MultiPart, type BodyParameters, type BodyDisposition,
} from './body-structure.ts';
export { Wire, canQuote, type WireOptions } from './wire-strings.ts';
