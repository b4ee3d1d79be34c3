export { NOT_CONTENT, walkFolder, type WalkedFile } from '../../compute';
