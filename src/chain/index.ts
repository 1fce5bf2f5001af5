// src/chain: the manager's only access to outside services (ARCHITECTURE.md §5): the chain node (Lotus API v1),
// the messager (a sophon-messager, or the chain node's mpool with a local message log) and the droplet market.

export * from "./endpoints.js";
export {
  createChainClient,
  DEVNET_NETWORK_NAME,
  minerActorId,
  rpcOptions,
  type ChainClient,
  type ChainClientOptions,
  type Endpoint,
  type InteractiveSeed,
  type MinerRef,
  type NetworkInfo,
  type SealTicket,
} from "./lotus-client.js";
export {
  createSophonMessager,
  memoryMessageLog,
  MessageFailedError,
  MpoolMessager,
  msgUuidFor,
  SophonMessager,
  type MessageFailure,
  type MessageLog,
  type MessageRecord,
  type MessageRecordState,
  type Messager,
  type MpoolChain,
  type MpoolMessagerOptions,
  type MsgResult,
  type NewMessageRecord,
  type OutgoingMessage,
  type SendSpec,
  type SophonMessagerOptions,
} from "./messager.js";
export { selectSender, type SelectedSender, type SelectSenderOptions, type SenderChain } from "./sender.js";
export { createMarketClient, type MarketClient, type MarketClientOptions } from "./market-client.js";
export { DEFAULT_RETRY, retryTransport, sleep, type RetryPolicy } from "./retry.js";
