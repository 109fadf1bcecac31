import { Contract } from '../../http/contract.js';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { JsonBody, KiB } from '../../http/body.js';
import { ApiTags } from '@nestjs/swagger';
import { convertStock } from '@vigie/domain';
import { parseOrThrow } from '../../http/validation.js';
import { ALL_ROLES, Access } from '../../access/access.decorators.js';
import { NO_TENANT } from '../../access/tenancies.js';
import { stockConversionSchema } from './convert-stock.schema.js';

@ApiTags('flux')
@Controller('v1/stock-conversions')
export class ConvertStockController {
  @Access({ roles: ALL_ROLES, tenancy: NO_TENANT })
  @JsonBody(128 * KiB)
  @Post()
  @HttpCode(200)
  @Contract({
    summary: 'Calculer la conversion du stock en flux (méthode globale ou par convention), chaque valeur intermédiaire exacte',
    answer: 'read',
    body: {
      schema: stockConversionSchema,
      example: {
        stock: 20000,
        turnoverRates: [0.09, 0.1, 0.11],
        exclusions: { mutationsInternes: 300, ventesHlm: 100 },
        method: 'per_convention',
        conventions: [
          { id: 'A', rights: 600, remainingYears: 6 },
          { id: 'B', rights: 400, remainingYears: 15 },
        ],
        spreadOverYears: 3,
        firstYear: 2026,
      },
    },
    errors: ['STOCK_CONVERSION_INVALID'],
  })
  convert(@Body() body: unknown) {
    return convertStock(parseOrThrow(stockConversionSchema, body));
  }
}
