// The block explorer the node serves on its RPC origin (docs/explorer.md).
export { explorerPages, explorerSize, EXPLORER_WEB_DIR } from './pages.ts';
