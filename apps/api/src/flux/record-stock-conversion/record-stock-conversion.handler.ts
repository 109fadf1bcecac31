import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type ConventionRef, type ReservationCommand, reservationDecider, reservationStreamId } from '@vigie/domain';
import { CommandPipeline, type CommandOutcome, jsonEqual } from '@vigie/event-store';
import type { WriteContext } from '../../http/write.js';

/** The parties adopt a stock → flux conversion for a convention (StockConverted): its inputs and what is owed each year. */
export class RecordStockConversion {
  constructor(
    readonly convention: ConventionRef,
    readonly conversion: Extract<ReservationCommand, { type: 'RecordStockConversion' }>['data'],
    readonly context: WriteContext,
  ) {}
}

@CommandHandler(RecordStockConversion)
export class RecordStockConversionHandler implements ICommandHandler<RecordStockConversion, CommandOutcome> {
  constructor(private readonly pipeline: CommandPipeline) {}

  execute({ convention, conversion, context }: RecordStockConversion): Promise<CommandOutcome> {
    return this.pipeline.handle({
      streamId: reservationStreamId(convention),
      decider: reservationDecider,
      eventId: context.eventId,
      metadata: context.metadata,
      // The same inputs again are the same conversion (what is owed is Vigie's computation).
      isRetryOf: (previous) =>
        previous.type === 'StockConverted' && jsonEqual((previous.data as { input: unknown }).input, conversion.input),
      command: () => ({ type: 'RecordStockConversion' as const, data: conversion }),
    });
  }
}
