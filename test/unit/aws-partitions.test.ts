import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { partition } from '@aws-sdk/core/client';

import { partitionsModuleText, PARTITIONS_MODULE, sdkPartitions } from '../../scripts/generate-aws-partitions';
import { AWS_PARTITIONS } from '../../src/domain/schema/aws-partitions';
import { nearestRegion, regionProblem, unknownRegionWarning } from '../../src/domain/schema/regions';

describe('AWS partitions and regions', () => {
  it('src/domain/schema/aws-partitions.ts is generated from the installed SDK (run `npm run aws-partitions`)', async () => {
    const committed = readFileSync(path.join(__dirname, '../..', PARTITIONS_MODULE), 'utf8');
    assert.equal(committed, await partitionsModuleText(sdkPartitions()));
  });

  it("lists the regions the SDK's own endpoint lookup knows, in the right partition", () => {
    const regions = AWS_PARTITIONS.flatMap((p) => p.regions.map((region) => ({ region, id: p.id })));
    assert.ok(regions.length >= 30, `only ${regions.length} regions`);
    for (const { region, id } of regions) {
      const info = partition(region) as { name: string; description?: string };
      assert.equal(info.name, id, region);
      assert.equal(typeof info.description, 'string', `${region} is not a known region of the SDK`);
    }
  });

  it('accepts every known region, and the rule for new ones holds for all of them (a direction word)', () => {
    for (const region of AWS_PARTITIONS.flatMap((p) => p.regions)) {
      assert.equal(regionProblem(region), undefined, region);
      assert.equal(unknownRegionWarning(region), undefined, region);
    }
  });

  it('accepts a well-formed region the SDK does not know yet, with a warning naming the data', () => {
    assert.equal(regionProblem('ap-southeast-9'), undefined);
    assert.match(unknownRegionWarning('ap-southeast-9') ?? '', /"ap-southeast-9" is not a region .*@aws-sdk\/core \d/);
  });

  it('refuses what no partition can hold, saying the rule and the nearest known region', () => {
    assert.match(
      regionProblem('zz-nowhere-9') ?? '',
      /"zz-nowhere-9" is not an AWS region code: it belongs to no AWS partition .*us \(aws\)/
    );
    assert.doesNotMatch(regionProblem('zz-nowhere-9') ?? '', /did you mean/i);
    assert.match(regionProblem('us-esat-1') ?? '', /not "esat"\. Did you mean "us-east-1"\?/);
    assert.match(regionProblem('US-WEST-2') ?? '', /lowercase\. Did you mean "us-west-2"\?/);
    assert.match(regionProblem('euwest1') ?? '', /Did you mean "eu-west-1"\?/);
    assert.equal(nearestRegion('antarctica-1'), undefined);
  });
});
