// The usage line of `polchain job dispute`, apart from its module so that `polchain job --help`
// shows it without loading libp2p and the watchtower.
export const DISPUTE_USAGE = 'polchain job dispute ID --segment J [--force] --rpc URL (--key FILE | --dev-account I) [--passphrase-file F] '
  + '[--p2p-listen ADDRS] [--poll-ms N] [--fee N] [--log-level LEVELS]';
