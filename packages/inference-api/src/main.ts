import { VERSION } from './version';

process.stdout.write(
  JSON.stringify({
    severity: 'NOTICE',
    message: `maskops inference-api ${VERSION}: serving is not built yet`,
  }) + '\n',
);
