import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { businessDateSchema } from '../../http/dates.js';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Principal } from '@vigie/access';
import type { CommandOutcome } from '@vigie/event-store';
import { Access, CurrentPrincipal } from '../../access/access.decorators.js';
import { EXISTING_CONVENTION } from '../../access/tenancies.js';
import { JsonBody, KiB } from '../../http/body.js';
import { Contract } from '../../http/contract.js';
import { parseOrThrow } from '../../http/validation.js';
import { answerWrite, apiWriteContext, eventIdFrom, type WriteAnswer, Writer } from '../../http/write.js';
import { agreedBySchema, agreementOf, CONVENTION_PATH, conventionPathSchema } from '../conventions/convention.schemas.js';
import { stockConversionSchema } from '../convert-stock/convert-stock.schema.js';
import { RecordStockConversion } from './record-stock-conversion.handler.js';

/** The conversion the parties adopt: the calculator's input (POST /v1/stock-conversions), and when. */
const stockConversionRecordSchema = z
  .object({
    eventId: z.string().optional(),
    adoptedOn: businessDateSchema,
    conversion: stockConversionSchema,
    agreedBy: agreedBySchema,
  })
  .strict();

@ApiTags('flux')
@Controller(`v1/conventions/${CONVENTION_PATH}/stock-conversions`)
export class RecordStockConversionController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access({ roles: ['bailleur', 'reservataire', 'admin'], tenancy: EXISTING_CONVENTION })
  @JsonBody(128 * KiB)
  @Post()
  @HttpCode(201)
  @Contract({
    summary:
      'Les parties adoptent une conversion du stock en flux pour la convention (StockConverted) : ses données et les relogements dus chaque année, calculés et conservés',
    answer: 'write',
    body: {
      schema: stockConversionRecordSchema,
      example: {
        adoptedOn: '2025-12-15',
        conversion: {
          stock: 20000,
          turnoverRates: [0.09, 0.1, 0.11],
          exclusions: { mutationsInternes: 300, ventesHlm: 100 },
          method: 'per_convention',
          conventions: [{ id: 'ALS-LMH-59', rights: 600, remainingYears: 6 }],
          spreadOverYears: 3,
          firstYear: 2026,
        },
      },
    },
    errors: ['STOCK_CONVERSION_INVALID', 'STOCK_CONVERSION_ALREADY_RECORDED', 'AGREEMENT_NOT_YOURS'],
  })
  async record(
    @Param() params: Record<string, string>,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Writer() writer: Writer,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<WriteAnswer> {
    const convention = parseOrThrow(conventionPathSchema, params);
    const { eventId: given, agreedBy, conversion, adoptedOn } = parseOrThrow(stockConversionRecordSchema, body);
    const data = {
      conventionId: convention.conventionId,
      input: conversion,
      adoptedOn,
      agreedBy: agreementOf(principal, agreedBy),
    };
    const context = apiWriteContext(eventIdFrom(given, key, 'fresh'), writer);
    const outcome = await this.commandBus.execute<RecordStockConversion, CommandOutcome>(
      new RecordStockConversion(convention, data, context),
    );
    return answerWrite(response, outcome);
  }
}
