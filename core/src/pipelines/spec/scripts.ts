export { scriptOf } from '../../compute';
