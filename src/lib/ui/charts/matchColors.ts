/** Colours of match statuses, shared by the charts and the boxes they lead to. */
export const MATCH_COLORS = { tp: '#3ddc84', fp: '#ff5c5c', fn: '#ffb020' } as const;
